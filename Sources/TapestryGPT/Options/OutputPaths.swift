// OutputPaths: where a program will write, checked before it does any work. A `--out` that can
// never be written is a usage error (exit status 2) found at once, not after a long run; a
// write that fails later (a full disk) stays an ordinary failure (exit status 1).
//
// `train` checks its `--out` directory this way; the examples check theirs (`OutputDirectory`)
// and their single output files (`checkOutputFile`) the same way, so every program words and
// numbers these mistakes alike.

import Foundation
import Tapestry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run's output directory. Creating it is split in two so that a bad flag or input leaves
/// the disk untouched: `init(checking:)` only checks that `--out` is, or can become, a
/// writable directory; `create()` makes it once every input has been read and checked.
/// Both throw a one-line `TrainError` with exit code 2 that starts with `--out <path>:`.
public struct OutputDirectory: Sendable {
    public let path: String

    /// Checks `path` without creating anything; `contents` names what the directory is for
    /// in the message when `path` is an existing file.
    public init(checking path: String, for contents: String = "the checkpoints") throws {
        self.path = path
        if isDirectory(path) {
            guard access(path, W_OK | X_OK) == 0 else {
                throw TrainError("--out \(path): directory is not writable (\(systemReason()))", exitCode: 2)
            }
            return
        }
        if FileManager.default.fileExists(atPath: path) {
            throw TrainError("--out \(path): is not a directory (expected a directory for \(contents))", exitCode: 2)
        }
        // It will be created: the nearest existing ancestor must be a writable directory.
        var ancestor = path
        repeat {
            ancestor = (ancestor as NSString).deletingLastPathComponent
            if ancestor.isEmpty { ancestor = "." }
        } while !FileManager.default.fileExists(atPath: ancestor) && ancestor != "." && ancestor != "/"
        guard isDirectory(ancestor) else {
            throw TrainError("--out \(path): cannot create it, \(ancestor) is not a directory", exitCode: 2)
        }
        guard access(ancestor, W_OK | X_OK) == 0 else {
            throw TrainError("--out \(path): cannot create it, \(ancestor) is not writable (\(systemReason()))", exitCode: 2)
        }
    }

    /// Creates the directory (and missing parents), and removes temporary files that a killed
    /// run left behind (see `AtomicFile.removeStaleTemporaryFiles`).
    public func create() throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix) && mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                throw TrainError("--out \(path): cannot create \(prefix) (\(systemReason()))", exitCode: 2)
            }
            prefix += "/"
        }
        AtomicFile.removeStaleTemporaryFiles(in: path)
    }

    /// The path of the file `name` in this directory.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// Checks, without writing anything, that `path`, the value of `--<flag>`, can be written as one
/// file by `AtomicFile.write`: it is not a directory or a device, and its directory exists and is
/// writable (nothing is created for it). Throws a one-line `TrainError` with exit code 2 that
/// starts with `--<flag> <path>:`.
public func checkOutputFile(_ path: String, flag: String) throws {
    guard !path.isEmpty else { throw TrainError("--\(flag): expected a file path, got ''", exitCode: 2) }
    if isDirectory(path) {
        throw TrainError("--\(flag) \(path): is a directory (expected a file path)", exitCode: 2)
    }
    var status = stat()
    if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
        throw TrainError("--\(flag) \(path): is not a regular file (expected a file path)", exitCode: 2)
    }
    var directory = (path as NSString).deletingLastPathComponent
    if directory.isEmpty { directory = "." }
    guard isDirectory(directory) else {
        let problem = FileManager.default.fileExists(atPath: directory) ? "is not a directory" : "does not exist"
        throw TrainError("--\(flag) \(path): cannot write it, \(directory) \(problem)", exitCode: 2)
    }
    guard access(directory, W_OK | X_OK) == 0 else {
        throw TrainError("--\(flag) \(path): cannot write it, \(directory) is not writable (\(systemReason()))", exitCode: 2)
    }
}

/// Whether `path` is a directory (following symbolic links).
private func isDirectory(_ path: String) -> Bool {
    var flag: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
}

/// The C library's text for the current `errno`, e.g. "Read-only file system".
private func systemReason() -> String { String(cString: strerror(errno)) }

// RunSupport: small helpers for the training run: number formatting, medians, durations,
// peak memory, and the output directory.

import Foundation
import Tapestry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Float with four decimals.
func fmt(_ x: Float) -> String { String(format: "%.4f", Double(x)) }
/// A Float with two decimals.
func fmt2(_ x: Float) -> String { String(format: "%.2f", Double(x)) }
/// A Float in scientific notation (learning rates).
func fmtExp(_ x: Float) -> String { String(format: "%.2e", Double(x)) }

/// The median of `values` (0 for none).
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// "1m05s" style.
func duration(_ seconds: Double) -> String {
    let s = max(0, Int(seconds.rounded()))
    return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
}

extension Duration {
    /// This duration in milliseconds.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}

/// Peak resident memory of this process, in bytes.
func peakMemoryBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    #if canImport(Darwin)
    return Int(usage.ru_maxrss)            // bytes on macOS
    #else
    return Int(usage.ru_maxrss) * 1024     // kilobytes on Linux
    #endif
}

/// The run's output directory. Creating it is split in two so that a bad flag or corpus
/// leaves the disk untouched: `init(checking:)` only checks that `--out` is, or can become, a
/// writable directory; `create()` makes it once every input has been read and checked.
struct OutputDirectory {
    let path: String

    /// Checks `path` without creating anything.
    init(checking path: String) throws {
        self.path = path
        if isDirectory(path) {
            guard access(path, W_OK | X_OK) == 0 else {
                throw TrainError("--out \(path): directory is not writable (\(systemReason()))", exitCode: 2)
            }
            return
        }
        if FileManager.default.fileExists(atPath: path) {
            throw TrainError("--out \(path): is not a directory (expected a directory for the checkpoints)", exitCode: 2)
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
    func create() throws {
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

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// Whether `path` is a directory (following symbolic links).
private func isDirectory(_ path: String) -> Bool {
    var flag: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
}

/// The C library's text for the current `errno`, e.g. "Read-only file system".
private func systemReason() -> String { String(cString: strerror(errno)) }

// AtomicFile: replace a file's contents all at once, or not at all.
//
// What it is: the classic write-temp, fsync, rename dance. A crash, a full disk or a killed
// trainer mid-checkpoint leaves either the old file or the new one at the path, never half
// of one, because rename(2) within one directory replaces the name atomically.
// What it is not: a lock. Two processes writing the same path both succeed; the last
// rename wins. It also does not keep the old file's permissions or owner: the new file is
// created like any new file (0666 minus the umask). A symbolic link at the path is
// replaced by a regular file, not followed.
//
//   1. open  <dir>/.<name>.tmp.<pid>.<random>   (O_CREAT | O_EXCL: never someone else's file)
//   2. write everything, fsync it (the data is on disk before the name points to it)
//   3. rename it over <dir>/<name>
//   4. fsync <dir> (the rename itself is on disk), where the platform allows it
// Any failure before step 3 removes the temporary file and throws a FileError naming the path.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files atomically: readers of the path see the old contents or the new, never a mix.
///
/// ```swift
/// try AtomicFile.write(text: "step,loss\n", to: "out/log.csv")
/// ```
public enum AtomicFile {
    /// Replaces the file at `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileError) {
        try write(to: path) { (descriptor, temporaryPath) throws(FileError) in
            // withUnsafeBytes only rethrows `any Error`; a Result keeps the FileError type.
            try bytes.withUnsafeBytes { raw in
                Result { () throws(FileError) in try writeAll(raw, to: descriptor, path: path, step: "write \(temporaryPath)") }
            }.get()
        }
    }

    /// Replaces the file at `path` with `data`.
    public static func write(_ data: Data, to path: String) throws(FileError) {
        try write(to: path) { (descriptor, temporaryPath) throws(FileError) in
            try data.withUnsafeBytes { raw in
                Result { () throws(FileError) in try writeAll(raw, to: descriptor, path: path, step: "write \(temporaryPath)") }
            }.get()
        }
    }

    /// Replaces the file at `path` with `text`, encoded as UTF-8.
    public static func write(text: String, to path: String) throws(FileError) {
        try write(Array(text.utf8), to: path)
    }

    /// The dance itself. `contents` writes the new bytes to the open temporary file; tests
    /// pass one that fails halfway to check that the target survives.
    static func write(
        to path: String,
        contents: (_ descriptor: Int32, _ temporaryPath: String) throws(FileError) -> Void
    ) throws(FileError) {
        func failure(_ step: String, reason: String) -> FileError {
            FileError(path: path, operation: "write", step: step, reason: reason)
        }
        let (directory, name) = splitPath(path)
        guard !name.isEmpty, name != ".", name != ".." else { throw failure("check path", reason: "is a directory path") }
        switch fileKind(path) {
        case .directory: throw failure("check target", reason: "is a directory")
        // Devices, pipes, sockets: renaming over them would replace the device node itself.
        case .other: throw failure("check target", reason: "is not a regular file")
        case .missing, .regular: break
        }
        guard fileKind(directory) == .directory else {
            let reason = fileKind(directory) == .missing ? "directory \(directory) does not exist"
                                                          : "\(directory) is not a directory"
            throw failure("check directory", reason: reason)
        }

        // 1. A fresh temporary file in the same directory (rename only is atomic within one file system).
        var temporaryPath = ""
        var descriptor: Int32 = -1
        for _ in 0..<16 where descriptor < 0 {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            temporaryPath = "\(directory)/.\(name).tmp.\(getpid()).\(suffix)"
            descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor < 0 && errno != EEXIST {
                throw .system(path: path, operation: "write", step: "create temporary file in \(directory)")
            }
        }
        guard descriptor >= 0 else { throw .system(path: path, operation: "write", step: "create temporary file") }

        // 2. Contents, then fsync, then close (close can report a deferred write error).
        do throws(FileError) {
            try contents(descriptor, temporaryPath)
            guard fsync(descriptor) == 0 else { throw FileError.system(path: path, operation: "write", step: "fsync") }
        } catch {
            close(descriptor)
            unlink(temporaryPath)
            throw error
        }
        guard close(descriptor) == 0 else {
            let closeError = FileError.system(path: path, operation: "write", step: "close temporary file")
            unlink(temporaryPath)
            throw closeError
        }

        // 3. The atomic step.
        guard rename(temporaryPath, path) == 0 else {
            let renameError = FileError.system(path: path, operation: "write", step: "rename into place")
            unlink(temporaryPath)
            throw renameError
        }

        // 4. Make the new directory entry durable. Best effort: some file systems refuse
        //    fsync on a directory, and the file is already complete at this point.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Removes the temporary files (`.<name>.tmp.<pid>.<hex>`) that writers killed between
    /// steps 1 and 3 left in `directory`, and returns their names. Such a file is never read
    /// (the real name still points to the last complete file), but it is as large as the file it
    /// was to become, so a trainer that is killed again and again would fill the disk. A file is
    /// removed only when no process with its pid is running.
    @discardableResult
    public static func removeStaleTemporaryFiles(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp.", options: .backwards) else { continue }
            let parts = name[marker.upperBound...].split(separator: ".")
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, UInt32(parts[1], radix: 16) != nil else { continue }
            let running = pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH
            if !running && unlink("\(directory)/\(name)") == 0 { removed.append(name) }
        }
        return removed
    }

    /// `"a/b/c.txt"` -> `("a/b", "c.txt")`, `"c.txt"` -> `(".", "c.txt")`, `"/c"` -> `("/", "c")`.
    static func splitPath(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

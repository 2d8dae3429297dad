// FileError and the few POSIX calls Tapestry's file formats need: read a whole regular file,
// write a whole buffer to a descriptor.
//
// What it is: thin, EINTR-safe wrappers over open/fstat/read/write that turn `errno` into a
// one-line error naming the path. Source-compatible with Linux (Glibc) and macOS (Darwin).
// What it is not: buffered or streaming I/O. Checkpoints and pictures are written whole.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file operation, e.g.
/// `cannot write /tmp/ckpt/model.safetensors: create temporary file: No such file or directory`.
public struct FileError: Error, CustomStringConvertible, Equatable {
    /// The path the caller asked for.
    public let path: String
    /// `"read"` or `"write"`: what the caller was doing.
    public let operation: String
    /// The step that failed, e.g. `"open"`, `"fsync"`, `"rename into place"`.
    public let step: String
    /// The system's reason (`strerror`), or a plain explanation.
    public let reason: String
    /// The `errno` value, or 0 when the failure did not come from a system call.
    public let code: Int32

    public init(path: String, operation: String, step: String, reason: String, code: Int32 = 0) {
        self.path = path
        self.operation = operation
        self.step = step
        self.reason = reason
        self.code = code
    }

    /// An error from the current `errno`.
    static func system(path: String, operation: String, step: String, code: Int32 = errno) -> FileError {
        FileError(path: path, operation: operation, step: step, reason: String(cString: strerror(code)), code: code)
    }

    /// One line: `cannot <operation> <path>: <step>: <reason>`.
    public var description: String { "cannot \(operation) \(path): \(step): \(reason)" }
}

/// Kind of file system object at a path, from `stat` (which follows symbolic links).
enum FileKind: Equatable {
    case missing, regular, directory, other
}

func fileKind(_ path: String) -> FileKind {
    var info = stat()
    guard stat(path, &info) == 0 else { return .missing }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return .regular
    case S_IFDIR: return .directory
    default: return .other
    }
}

/// Reads a whole regular file into memory.
func readWholeFile(_ path: String) throws(FileError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .system(path: path, operation: "read", step: "open") }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .system(path: path, operation: "read", step: "stat") }
    guard info.st_mode & S_IFMT == S_IFREG else {
        let what = info.st_mode & S_IFMT == S_IFDIR ? "is a directory" : "is not a regular file"
        throw FileError(path: path, operation: "read", step: "open", reason: what)
    }
    // Read until end of file; the size from fstat is only the first guess (files can change).
    var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
    var filled = 0
    while true {
        if filled == bytes.count { bytes += [UInt8](repeating: 0, count: max(bytes.count, 4096)) }
        let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
        if got < 0 {
            if errno == EINTR { continue }
            throw .system(path: path, operation: "read", step: "read")
        }
        if got == 0 { break }
        filled += got
    }
    bytes.removeLast(bytes.count - filled)
    return bytes
}

/// Writes all of `bytes` to `descriptor`, retrying short writes and EINTR.
/// `path` and `step` only label the error.
func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String, step: String) throws(FileError) {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw .system(path: path, operation: "write", step: step)
        }
        // write() returning 0 for a non-empty request would loop forever; treat it as full.
        if written == 0 { throw .system(path: path, operation: "write", step: step, code: ENOSPC) }
        offset += written
    }
}

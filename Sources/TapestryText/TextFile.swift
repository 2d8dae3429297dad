// TextFile: read a file's bytes, check that they are UTF-8, and write a file atomically.
//
// These are thin wrappers over POSIX `open`/`read`/`rename` so that every failure becomes a
// one-line `TextError` naming the path and the operating system's reason ("Permission
// denied"), not an exception from deep inside Foundation.
//
// Atomic write: the bytes go to a temporary file in the SAME directory, which is then renamed
// over the destination. `rename` within one file system is atomic, so a reader sees either the
// old file or the new one, never half a file, even if the writer is killed midway.
//
// What it is not: a streaming reader. Corpora here are a few megabytes and are read whole.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reading and atomic writing with one-line errors.
public enum TextFile {
    /// Reads every byte of the file at `path`.
    ///
    /// Throws `.fileNotFound`, `.isDirectory` or `.unreadable`, each naming `path`.
    public static func readBytes(path: String) throws(TextError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: systemMessage(code))
        }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw .isDirectory(path: path)
        }
        // A device never ends (/dev/zero, /dev/urandom) or waits for a person (/dev/tty):
        // reading it "whole" would hang or fill memory. Pipes are fine (`--corpus <(...)`).
        if fstat(descriptor, &status) == 0, [S_IFCHR, S_IFBLK].contains(status.st_mode & S_IFMT) {
            throw .unreadable(path: path, reason: "is a device, expected a file")
        }
        return try readAll(descriptor: descriptor, name: path)
    }

    /// Reads a file descriptor until end of file (standard input is descriptor 0).
    /// `name` is what an error message calls the source, for example `"stdin"`.
    public static func readAll(descriptor: Int32, name: String) throws(TextError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: name, reason: systemMessage(errno))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Decodes `bytes` as UTF-8, or throws `.notUTF8` with the offset of the first bad byte.
    ///
    ///     try TextFile.decodeUTF8([0x68, 0x69], name: "x")   // "hi"
    ///     try TextFile.decodeUTF8([0x68, 0xFF], name: "x")   // x: not UTF-8 text (invalid byte at offset 1)...
    public static func decodeUTF8(_ bytes: [UInt8], name: String) throws(TextError) -> String {
        if let offset = firstInvalidUTF8Offset(bytes) { throw .notUTF8(path: name, byteOffset: offset) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The offset of the first byte that does not start a well-formed UTF-8 sequence, or nil.
    ///
    /// Well-formed means the Unicode standard's table 3-7: no overlong forms, no surrogates
    /// (U+D800...U+DFFF), nothing above U+10FFFF, no truncated sequence.
    public static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            // The allowed range of the SECOND byte depends on the lead byte (this is what rules
            // out overlong forms and surrogates); later continuation bytes are always 80...BF.
            let length: Int, low: UInt8, high: UInt8
            switch lead {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return index
            }
            if index + length > count { return index }
            let second = bytes[index + 1]
            if second < low || second > high { return index }
            for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 { return index }
            index += length
        }
        return nil
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, then
    /// `rename` onto `path`. On failure the temporary file is removed and `path` is untouched.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(TextError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // Renaming over a device (`--out /dev/full`), a pipe or a directory would replace that
        // node itself (measured: as root it turned /dev/full into a regular file).
        var target = stat()
        if stat(path, &target) == 0 && (target.st_mode & S_IFMT) != S_IFREG {
            let what = (target.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "is not a regular file"
            throw .writeFailed(path: path, reason: "\(what), expected a file path")
        }
        let temporary = "\(directory).\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if descriptor < 0 { throw .writeFailed(path: path, reason: systemMessage(errno)) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 {
                let reason = systemMessage(errno)
                close(descriptor)
                unlink(temporary)
                throw .writeFailed(path: path, reason: reason)
            }
            offset += written
        }
        // fsync before rename: otherwise a crash can leave the new name pointing at empty data.
        var failure: Int32 = 0
        if fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw .writeFailed(path: path, reason: systemMessage(failure))
        }
    }

    /// Writes all of `bytes` to a file descriptor (1 is standard output, 2 standard error).
    /// Gives up silently if the descriptor is closed: there is nowhere left to report it.
    public static func writeFully(_ bytes: [UInt8], descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    /// The C library's message for an `errno` value, such as "Permission denied".
    static func systemMessage(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

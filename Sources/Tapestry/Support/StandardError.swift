// StandardError: write a line to stderr without touching C's global `stderr` (which Swift 6
// treats as shared mutable state).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `text` to standard error (file descriptor 2), unbuffered.
public func writeToStandardError(_ text: String) { writeAll(text, to: 2) }

/// Writes `text` to standard output (file descriptor 1), unbuffered, so progress lines appear
/// at once even through a pipe.
public func writeToStandardOutput(_ text: String) { writeAll(text, to: 1) }

/// Writes every byte of `text` to `descriptor`, retrying short writes; gives up on an error.
func writeAll(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { return }
        offset += written
    }
}

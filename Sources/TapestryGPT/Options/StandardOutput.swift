// StandardOutput: for programs whose output IS the result (`sample`), a write to stdout that
// reports failure. `print` and `writeToStandardOutput` give up silently, so `sample > /dev/full`
// would lose the text and still exit 0.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes all of `text` to standard output, unbuffered; throws a one-line `TrainError`
/// (exit code 1) with the system's reason, e.g. "No space left on device", if it cannot.
public func writeOutput(_ text: String) throws(TrainError) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else {
            throw TrainError("cannot write to standard output: \(String(cString: strerror(errno)))")
        }
        offset += written
    }
}

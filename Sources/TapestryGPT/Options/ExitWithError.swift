// exitWithError: the one way programs fail: one line on stderr, a non-zero exit, no trace.

import Tapestry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints `error: <message>` as one line on stderr and exits with `code`.
public func exitWithError(_ message: String, code: Int32) -> Never {
    let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    writeToStandardError("error: \(oneLine)\n")
    exit(code)
}

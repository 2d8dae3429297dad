// RunSupport: small helpers for the training run: number formatting, medians, durations and
// peak memory. (The output directory is in Options/OutputPaths.swift.)

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

/// Peak resident memory of this program, in bytes.
///
/// On Linux this is `VmHWM` of /proc/self/status, the high-water mark of this program's own
/// memory. getrusage's `ru_maxrss` is not: Linux carries it across `exec`, so under
/// `swift run train` it reported SwiftPM's own peak (about 120 MiB) when larger than the
/// trainer's (106 MiB), and a program started from a large test runner reported the runner's.
func peakMemoryBytes() -> Int {
    #if os(Linux)
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
        let fields = line.split(whereSeparator: \.isWhitespace)   // "VmHWM:", "108544", "kB"
        if fields.count == 3, fields[2] == "kB", let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
    }
    #endif
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

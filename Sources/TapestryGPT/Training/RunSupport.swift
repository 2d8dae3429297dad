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

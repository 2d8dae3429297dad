// RunSupport: small helpers for the training run: number formatting, medians, durations,
// peak memory, and the output directory.

import Foundation
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

/// The run's output directory, created if needed and checked writable up front, so a bad
/// `--out` fails before any training time is spent.
struct OutputDirectory {
    let path: String

    init(_ path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw TrainError("--out \(path): is a file, expected a directory", exitCode: 2)
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        catch { throw TrainError("--out \(path): cannot create the directory (\(error.localizedDescription))", exitCode: 2) }
        guard access(path, W_OK) == 0 else {
            throw TrainError("--out \(path): directory is not writable", exitCode: 2)
        }
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

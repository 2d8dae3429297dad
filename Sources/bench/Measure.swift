// Measure: median-of-runs timing for bench.

import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which clock a measurement reads.
enum TimingClock {
    /// Elapsed real time.
    case wall
    /// CPU time of the calling thread (excludes time spent waiting for a CPU).
    case threadCPU
}

/// Median seconds per call of `body`, after a warm-up.
///
/// Calls are batched so that one timed run lasts about `runSeconds`; the median over `runs`
/// runs hides the odd interruption by the other processes on the machine.
func medianSeconds(runs: Int = 7, runSeconds: Double = 0.02, clock: TimingClock = .wall,
                   _ body: () -> Void) -> Double {
    // Warm-up: caches, page faults, scratch buffers, parked worker threads.
    var calls = 1
    var elapsed = 0.0
    while elapsed < runSeconds / 2 {
        elapsed = seconds(clock) { for _ in 0..<calls { body() } }
        if elapsed < runSeconds / 2 { calls *= 2 }
    }
    let perRun = max(1, Int(Double(calls) * runSeconds / max(elapsed, 1e-9)))
    var times: [Double] = []
    for _ in 0..<runs {
        times.append(seconds(clock) { for _ in 0..<perRun { body() } } / Double(perRun))
    }
    return times.sorted()[runs / 2]
}

/// Seconds that `body` takes on `clock`.
func seconds(_ clock: TimingClock, _ body: () -> Void) -> Double {
    let start = now(clock)
    body()
    return now(clock) - start
}

/// The current time on `clock`, in seconds.
func now(_ clock: TimingClock) -> Double {
    switch clock {
    case .wall:
        return Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    case .threadCPU:
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// `value` formatted with `decimals` digits after the point, right-aligned in `width`.
func format(_ value: Double, decimals: Int = 1, width: Int = 7) -> String {
    var text = String(Int((value * pow(10, Double(decimals))).rounded()))
    if decimals > 0 {
        while text.count <= decimals { text = "0" + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
    }
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

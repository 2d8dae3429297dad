// OpProfiler: where a training step spends its time, op by op.
//
// What it is: an optional listener on a `Tape`. When `tape.profiler` is set, the tape charges
// - to an op's FORWARD the wall time since the previous `record` call (or since `start()`):
//   the time the op took to check shapes, allocate and compute its output, plus any untaped
//   work before it (batch sampling lands on the first op);
// - to an op's BACKWARD the wall time of its backward closure.
// When `tape.profiler` is nil (the default) the tape does one nil check per op: no cost.
//
// What it is not: a sampling profiler. It cannot see inside a closure; `perf` or callgrind can.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Accumulates wall time per op name, forward and backward, over any number of steps.
public final class OpProfiler {
    /// Time and call count of one op name.
    public struct Entry {
        public var forwardSeconds: Double = 0
        public var backwardSeconds: Double = 0
        public var forwardCalls = 0
        public var backwardCalls = 0
    }

    /// Totals per op name, in first-seen order (see `names`).
    public private(set) var entries: [String: Entry] = [:]
    /// Op names in the order they were first seen.
    public private(set) var names: [String] = []
    /// The clock, in seconds. Any monotonic clock works; the default is the monotonic wall clock.
    let clock: () -> Double
    var lastMark: Double = 0

    /// A profiler reading `clock` (seconds).
    public init(clock: @escaping () -> Double = OpProfiler.continuousSeconds) {
        self.clock = clock
    }

    /// Seconds on the monotonic wall clock.
    public static func continuousSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Starts the forward clock: call right before the model's forward pass.
    public func start() { lastMark = clock() }

    /// Forgets every total.
    public func clear() { entries = [:]; names = [] }

    func recordForward(_ op: StaticString) {
        let now = clock()
        update("\(op)") { $0.forwardSeconds += now - lastMark; $0.forwardCalls += 1 }
        lastMark = now
    }

    func recordBackward(_ op: StaticString, seconds: Double) {
        update("\(op)") { $0.backwardSeconds += seconds; $0.backwardCalls += 1 }
    }

    func update(_ name: String, _ change: (inout Entry) -> Void) {
        if entries[name] == nil { names.append(name) }
        change(&entries[name, default: Entry()])
    }
}

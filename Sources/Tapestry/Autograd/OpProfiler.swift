// OpProfiler: where a training step spends its time, op by op.
//
// What it is: an optional listener on a `Tape`. When `tape.profiler` is set, the tape charges
// - to an op's FORWARD the wall time since the previous `record` call (or since `start()`):
//   the time the op took to check shapes, allocate and compute its output, plus any untaped
//   work before it (`Trainer.step` calls `start()` after drawing its batch, so the batch is
//   not charged to the first op);
// - to an op's BACKWARD the wall time of its backward closure;
// - to both the FLOPs that `OpFLOPs.cost` computes from the op's shapes at `record` (the
//   backward FLOPs are charged when the node's backward actually runs).
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
        /// FLOPs of the forward calls and of the backward calls (see OpFLOPs.swift).
        public var forwardFLOPs: Double = 0
        public var backwardFLOPs: Double = 0
        /// False for ops `OpFLOPs` does not count (data movement): their FLOPs print as "—".
        public var hasFLOPs = false
    }

    /// Totals per op name, in first-seen order (see `names`).
    public private(set) var entries: [String: Entry] = [:]
    /// Op names in the order they were first seen.
    public private(set) var names: [String] = []
    /// The clock, in seconds. Any monotonic clock works; the default is the monotonic wall clock.
    let clock: () -> Double
    var lastMark: Double = 0
    /// Whether `scaledDotProductAttention` is counted as causal (the tape does not record it).
    public let causalAttention: Bool
    /// Backward FLOPs of the current tape's nodes, by node index (nil: not counted).
    var pendingBackwardFLOPs: [Double?] = []

    /// A profiler reading `clock` (seconds); `causalAttention` as in `OpFLOPs.cost`.
    public init(clock: @escaping () -> Double = OpProfiler.continuousSeconds, causalAttention: Bool = true) {
        self.clock = clock
        self.causalAttention = causalAttention
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
    public func clear() { entries = [:]; names = []; pendingBackwardFLOPs = [] }

    /// Called by `Tape.record` for the node that will have index `index` on the tape.
    func recordForward(_ op: StaticString, index: Int, inputs: [Variable], output: Tensor) {
        let now = clock()
        let name = "\(op)"
        let cost = OpFLOPs.cost(op: name, inputs: inputs.map { OpOperand(shape: $0.shape, needsGradient: $0.requiresGradient) },
                                output: output.shape, causalAttention: causalAttention)
        update(name) {
            $0.forwardSeconds += now - lastMark
            $0.forwardCalls += 1
            if let cost { $0.forwardFLOPs += cost.forward; $0.hasFLOPs = true }
        }
        // A tape starts again at index 0 after `reset()`.
        if index == 0 { pendingBackwardFLOPs.removeAll(keepingCapacity: true) }
        while pendingBackwardFLOPs.count < index { pendingBackwardFLOPs.append(nil) }
        pendingBackwardFLOPs.append(cost?.backward)
        lastMark = clock()            // this bookkeeping is charged to no op
    }

    /// Called by `Tape.backward` after the backward closure of node `index` ran.
    func recordBackward(_ op: StaticString, index: Int, seconds: Double) {
        let flops = index < pendingBackwardFLOPs.count ? pendingBackwardFLOPs[index] : nil
        update("\(op)") {
            $0.backwardSeconds += seconds
            $0.backwardCalls += 1
            if let flops { $0.backwardFLOPs += flops }
        }
    }

    func update(_ name: String, _ change: (inout Entry) -> Void) {
        if entries[name] == nil { names.append(name) }
        change(&entries[name, default: Entry()])
    }
}

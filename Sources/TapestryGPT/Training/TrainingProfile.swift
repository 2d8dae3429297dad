// TrainingProfile: `train --profile N`, where a training step spends its time and how fast each
// op computes.
//
// What it does: builds the trainer exactly as `train` would, measures one core's FMA peak, runs
// 2 warm-up steps (first-touch allocations, the buffer pool filling, worker threads waking),
// then N steps with the tape's OpProfiler attached, prints the per-op table and the MFU, and
// EXITS: nothing is evaluated, saved or sampled, and --out is not touched. Profiling is a
// question about speed; the answer does not need a trained model.
//
// The table, per op name and per step (means over the N steps):
//   calls               recorded ops of that name in one step
//   fwd ms, bwd ms      forward: wall time from the previous recorded op to this one (the op's
//                       own work); backward: its backward closure (OpProfiler.swift)
//   share               (fwd + bwd) / step time
//   fwd/bwd MFLOP       OpFLOPs.cost from the recorded shapes ("—": data movement, not counted)
//   fwd/bwd GFLOP/s     FLOPs / time
// "step rest" is the step time no op covers: batch sampling, the loss check, clipping, AdamW,
// zeroing gradients, tape.reset() and the profiler's own bookkeeping. Shares add up to 100%.
// MFU = counted FLOPs per step / step time / (FMA peak × threads). nanoGPT's estimate
// 6N + 12·L·H·Q·T per token is printed beside it; it counts the full T×T attention products
// where the causal kernel computes about half, so it comes out a little higher.
//
// What it is not: a sampling profiler, or a benchmark: the steps are few and the machine may
// be busy (`swift run -c release bench` takes medians).

import Foundation
import Tapestry

/// The per-op timing and FLOPs of N profiled training steps (see TrainingProfile.swift).
public struct TrainingProfile: Sendable {
    /// One op name's figures, per step.
    public struct Row: Sendable {
        public let op: String
        public let calls: Double
        public let forwardSeconds: Double
        public let backwardSeconds: Double
        /// nil when the op's FLOPs are not counted (data movement).
        public let forwardFLOPs: Double?
        public let backwardFLOPs: Double?

        public var seconds: Double { forwardSeconds + backwardSeconds }
    }

    /// Rows by decreasing time.
    public let rows: [Row]
    /// Profiled steps (after the warm-up).
    public let steps: Int
    public let warmUpSteps: Int
    /// Mean wall time of one step.
    public let stepSeconds: Double
    public let threads: Int
    /// One core's measured FMA peak, GFLOP/s.
    public let peakGFLOPS: Double
    /// nanoGPT's estimate of one step's FLOPs: (6N + 12·L·H·Q·T) · tokens per step.
    public let estimatedFLOPs: Double

    /// Step time not covered by any op.
    public var restSeconds: Double { stepSeconds - rows.reduce(0) { $0 + $1.seconds } }
    /// FLOPs of one step counted op by op.
    public var countedFLOPs: Double { rows.reduce(0) { $0 + ($1.forwardFLOPs ?? 0) + ($1.backwardFLOPs ?? 0) } }
    /// Model FLOPs utilization: counted FLOPs per second over the peak of the threads used.
    public var modelFLOPsUtilization: Double { countedFLOPs / stepSeconds / (peakGFLOPS * 1e9 * Double(threads)) }
}

/// Profiles `steps` training steps of `trainer` after `warmUpSteps` unprofiled ones.
/// `peakGFLOPS` is one core's FMA peak (`measureFMAPeak()`).
public func profileTraining(_ trainer: Trainer, steps: Int, warmUpSteps: Int = 2,
                            peakGFLOPS: Double) throws -> TrainingProfile {
    precondition(steps > 0, "profileTraining: steps must be positive")
    for _ in 0..<warmUpSteps { _ = try trainer.step() }
    let profiler = OpProfiler()
    trainer.tape.profiler = profiler
    defer { trainer.tape.profiler = nil }
    var total = 0.0
    for _ in 0..<steps {
        let start = OpProfiler.continuousSeconds()
        _ = try trainer.step()
        total += OpProfiler.continuousSeconds() - start
    }
    let n = Double(steps)
    let rows = profiler.names.map { name -> TrainingProfile.Row in
        let entry = profiler.entries[name]!
        return TrainingProfile.Row(op: name, calls: Double(entry.forwardCalls) / n,
                                   forwardSeconds: entry.forwardSeconds / n, backwardSeconds: entry.backwardSeconds / n,
                                   forwardFLOPs: entry.hasFLOPs ? entry.forwardFLOPs / n : nil,
                                   backwardFLOPs: entry.hasFLOPs ? entry.backwardFLOPs / n : nil)
    }
    let config = trainer.config
    return TrainingProfile(rows: rows.sorted { $0.seconds > $1.seconds }, steps: steps, warmUpSteps: warmUpSteps,
                           stepSeconds: total / n, threads: config.threads, peakGFLOPS: peakGFLOPS,
                           estimatedFLOPs: trainer.model.flopsPerToken(time: config.model.blockSize)
                               * Double(trainer.tokensPerStep))
}

/// `swift run train --profile N`: loads the data as `train` does, profiles N steps and prints
/// the table (`TrainingProfile.lines`). Writes nothing.
public func runProfile(_ config: TrainConfig, print: (String) -> Void) throws -> TrainingProfile {
    Threads.setCount(config.threads)
    let data = try TrainingData.load(config, log: print)
    let trainer = try checkedTrainer(config, data: data)
    let m = trainer.model.config
    print("profile: \(config.profileSteps) steps after 2 warm-up steps; block \(m.blockSize), batch \(config.batchSize), "
        + "\(m.nLayer) layers, \(m.nHead) heads, \(m.nEmbd) embd, vocab \(m.vocabSize), "
        + "\(trainer.model.parameterCount) parameters, \(config.threads) thread(s)")
    let peak = measureFMAPeak()
    let profile = try profileTraining(trainer, steps: config.profileSteps, peakGFLOPS: peak)
    for line in profile.lines { print(line) }
    return profile
}

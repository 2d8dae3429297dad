// ProfileBench: one training step's time, op by op, from the tape's OpProfiler.
//
// Forward time of an op = wall time since the previous recorded op (the trainer restarts the
// profiler's clock after drawing the batch, so the batch is not charged to the first op).
// Backward time = the op's backward closure. "step rest" is what neither covers: the batch,
// clip, AdamW, zeroGrad, tape.reset(). `swift run train --profile N` prints the same table
// with FLOPs, GFLOP/s and MFU per op.

import Tapestry
import TapestryGPT

func benchProfile(options: BenchOptions) {
    let config = benchTrainConfig(options.modelConfig)
    let report = options.report
    let threads = options.threadCounts[0]
    Threads.setCount(threads)
    defer { Threads.setCount(1) }
    guard let trainer = makeBenchTrainer(config) else { return }
    for _ in 0..<3 { _ = try? trainer.step() }
    let clock: () -> Double = { now(options.clock) }
    let profiler = OpProfiler(clock: clock)
    let steps = options.modelConfig == "baby" ? 2 : 10
    var total = 0.0
    for _ in 0..<steps {
        trainer.tape.profiler = profiler
        let start = clock()
        profiler.start()
        _ = try? trainer.step()
        total += clock() - start
    }
    trainer.tape.profiler = nil
    let perStep = total / Double(steps)
    report.line("profile: \(options.modelConfig) config, \(threads) thread(s), "
        + "\(options.clock == .threadCPU ? "thread CPU time" : "wall time"), mean of \(steps) steps: "
        + "\(format(perStep * 1e3)) ms/step")
    report.line("op".padding(toLength: 22, withPad: " ", startingAt: 0)
        + "  calls  fwd ms  bwd ms  total ms  share")
    var rows = profiler.names.map { name -> (String, OpProfiler.Entry) in (name, profiler.entries[name]!) }
    rows.sort { $0.1.forwardSeconds + $0.1.backwardSeconds > $1.1.forwardSeconds + $1.1.backwardSeconds }
    var covered = 0.0
    for (name, entry) in rows {
        let forward = entry.forwardSeconds / Double(steps), backward = entry.backwardSeconds / Double(steps)
        covered += forward + backward
        report.line(name.padding(toLength: 22, withPad: " ", startingAt: 0)
            + format(Double(entry.forwardCalls / steps), decimals: 0, width: 7)
            + format(forward * 1e3, decimals: 2, width: 8) + format(backward * 1e3, decimals: 2, width: 8)
            + format((forward + backward) * 1e3, decimals: 2, width: 10)
            + format((forward + backward) / perStep * 100, width: 6) + "%")
        report.add("profile", threads: threads, "\(name) fwd_ms", forward * 1e3)
        report.add("profile", threads: threads, "\(name) bwd_ms", backward * 1e3)
    }
    let rest = perStep - covered
    report.line("step rest (clip, AdamW, reset)".padding(toLength: 38, withPad: " ", startingAt: 0)
        + format(rest * 1e3, decimals: 2, width: 10) + format(rest / perStep * 100, width: 6) + "%")
    report.add("profile", threads: threads, "step_ms", perStep * 1e3)
    report.add("profile", threads: threads, "rest_ms", rest * 1e3)
}

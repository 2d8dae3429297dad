// TrainingProfile+Lines: the table `train --profile N` prints (columns explained in
// TrainingProfile.swift). Times are per step in milliseconds, FLOPs per step in millions.

import Foundation

extension TrainingProfile {
    /// The printed report: step time and peak, the per-op table, the rest, the total, the MFU.
    public var lines: [String] {
        let nameWidth = max(26, (rows.map(\.op.count).max() ?? 0) + 1)
        func name(_ text: String) -> String { text.padding(toLength: nameWidth, withPad: " ", startingAt: 0) }
        func column(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(1, width - text.count)) + text
        }
        func number(_ value: Double?, _ decimals: Int, _ width: Int) -> String {
            column(value.map { fixed($0, decimals) } ?? "—", width)
        }
        /// GFLOP/s of `flops` in `seconds` ("—" when not counted or not timed).
        func rate(_ flops: Double?, _ seconds: Double) -> Double? {
            guard let flops, seconds > 0 else { return nil }
            return flops / seconds / 1e9
        }
        func share(_ seconds: Double) -> String { column(fixed(seconds / stepSeconds * 100, 1) + "%", 7) }

        var lines = ["FMA peak \(fixed(peakGFLOPS, 1)) GFLOP/s per core (measured now); "
                        + "mean step \(fixed(stepSeconds * 1e3, 3)) ms over \(steps) profiled steps, wall clock",
                     name("op") + column("calls", 6) + column("fwd ms", 9) + column("bwd ms", 9) + column("total ms", 10)
                        + column("share", 7) + column("fwd MFLOP", 11) + column("bwd MFLOP", 11)
                        + column("fwd GFLOP/s", 13) + column("bwd GFLOP/s", 13)]
        for row in rows {
            lines.append(name(row.op) + number(row.calls, 0, 6) + number(row.forwardSeconds * 1e3, 3, 9)
                + number(row.backwardSeconds * 1e3, 3, 9) + number(row.seconds * 1e3, 3, 10) + share(row.seconds)
                + number(row.forwardFLOPs.map { $0 / 1e6 }, 2, 11) + number(row.backwardFLOPs.map { $0 / 1e6 }, 2, 11)
                + number(rate(row.forwardFLOPs, row.forwardSeconds), 1, 13)
                + number(rate(row.backwardFLOPs, row.backwardSeconds), 1, 13))
        }
        lines.append(name("step rest (see below)") + column("", 6) + column("", 9) + column("", 9)
            + number(restSeconds * 1e3, 3, 10) + share(restSeconds))
        let forward = rows.reduce(0) { $0 + $1.forwardSeconds }, backward = rows.reduce(0) { $0 + $1.backwardSeconds }
        let forwardFLOPs = rows.reduce(0) { $0 + ($1.forwardFLOPs ?? 0) }
        let backwardFLOPs = rows.reduce(0) { $0 + ($1.backwardFLOPs ?? 0) }
        lines.append(name("step") + number(rows.reduce(0) { $0 + $1.calls }, 0, 6) + number(forward * 1e3, 3, 9)
            + number(backward * 1e3, 3, 9) + number(stepSeconds * 1e3, 3, 10) + share(stepSeconds)
            + number(forwardFLOPs / 1e6, 2, 11) + number(backwardFLOPs / 1e6, 2, 11)
            + number(rate(forwardFLOPs, forward), 1, 13) + number(rate(backwardFLOPs, backward), 1, 13))
        lines.append("step rest: batch sampling, loss check, gradient clipping, AdamW, zero grad, tape reset, profiler bookkeeping")
        let peak = peakGFLOPS * Double(threads)
        lines.append("MFU \(fixed(modelFLOPsUtilization * 100, 1))%: \(fixed(countedFLOPs / 1e9, 4)) GFLOP counted per step "
            + "in \(fixed(stepSeconds * 1e3, 3)) ms = \(fixed(countedFLOPs / stepSeconds / 1e9, 1)) GFLOP/s "
            + "of \(fixed(peak, 1)) (FMA peak × \(threads) thread\(threads == 1 ? "" : "s"))")
        let estimatedMFU = estimatedFLOPs / stepSeconds / (peak * 1e9)
        lines.append("nanoGPT's estimate 6N + 12·L·H·Q·T per token: \(fixed(estimatedFLOPs / 1e9, 4)) GFLOP per step, "
            + "MFU \(fixed(estimatedMFU * 100, 1))% (it counts the full T×T attention, the causal kernel about half)")
        return lines
    }
}

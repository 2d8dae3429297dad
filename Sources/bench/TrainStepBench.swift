// TrainStepBench: the whole training step (batch, forward, backward, clip, AdamW) of nanoGPT's
// CPU config, or with --config baby of the baby GPT (6 layers, 6 heads, 384 embd, block 256,
// batch 64), on the default corpus (char-level Shakespeare).
//
// Figures: ms per step (median after a warm-up), tokens/s, GFLOP/s with nanoGPT's estimate
// 6N + 12·L·H·Q·T FLOPs per token, MFU against the FMA peak measured by `fmaPeakGFLOPS`
// (times the thread count), resident memory after the warm-up and after the timed steps (a
// steady-state step should not grow it), and the same for the tape's tensor pool: every
// activation, gradient and attention workspace comes from it, so equal figures mean that the
// timed steps reused the buffers planned in the warm-up and allocated no tensor memory.

import Foundation
import Tapestry
import TapestryGPT

/// The training configuration a bench case runs.
func benchTrainConfig(_ name: String) -> TrainConfig {
    var config = TrainConfig()   // nanoGPT's CPU config
    if name == "baby" {
        config.model = GPTConfig(blockSize: 256, vocabSize: 0, nLayer: 6, nHead: 6, nEmbd: 384, dropout: 0)
        config.batchSize = 64
    }
    return config
}

/// A trainer on the default corpus, or nil (with a message) when the corpus cannot be read.
func makeBenchTrainer(_ config: TrainConfig) -> Trainer? {
    do {
        return Trainer(config: config, data: try TrainingData.load(config))
    } catch {
        writeToStandardError("bench: \(error)\n")
        return nil
    }
}

func benchTrainStep(options: BenchOptions) {
    let config = benchTrainConfig(options.modelConfig)
    let baby = options.modelConfig == "baby"
    let peak = fmaPeakGFLOPS(clock: options.clock)
    let report = options.report
    report.line("train-step (\(options.modelConfig) config: block \(config.model.blockSize), batch \(config.batchSize), "
        + "\(config.model.nLayer) layers, \(config.model.nHead) heads, \(config.model.nEmbd) embd), "
        + "\(options.clock == .threadCPU ? "thread CPU time" : "wall time"), FMA peak \(format(peak)) GFLOP/s/core")
    report.line("threads  ms/iter  tokens/s  GFLOP/s    MFU  RSS warm MiB  RSS end MiB  pool warm MiB  pool end MiB")
    for threads in options.threadCounts {
        Threads.setCount(threads)
        guard let trainer = makeBenchTrainer(config) else { return }
        let flopsPerStep = trainer.model.flopsPerToken(time: config.model.blockSize) * Double(trainer.tokensPerStep)
        let warmUp = baby ? 1 : 5, timed = baby ? 3 : 15
        for _ in 0..<warmUp { _ = try? trainer.step() }
        let rssWarm = residentMiB(), poolWarm = Double(trainer.tape.pooledBytes) / 1_048_576
        var times: [Double] = []
        for _ in 0..<timed {
            times.append(seconds(options.clock) { _ = try? trainer.step() })
        }
        let rssEnd = residentMiB(), poolEnd = Double(trainer.tape.pooledBytes) / 1_048_576
        let median = times.sorted()[timed / 2]
        let gflops = flopsPerStep / median / 1e9
        let mfu = gflops / (peak * Double(threads))
        report.line(format(Double(threads), decimals: 0, width: 7) + format(median * 1e3, width: 9)
            + format(Double(trainer.tokensPerStep) / median, decimals: 0, width: 10) + format(gflops, width: 9)
            + format(mfu * 100, width: 6) + "%" + format(rssWarm, width: 14) + format(rssEnd, width: 13)
            + format(poolWarm, decimals: 2, width: 15) + format(poolEnd, decimals: 2, width: 14))
        for (key, value) in [("ms_per_iter", median * 1e3), ("tokens_per_s", Double(trainer.tokensPerStep) / median),
                             ("gflops", gflops), ("mfu", mfu), ("peak_gflops_per_core", peak),
                             ("rss_mib_after_warmup", rssWarm), ("rss_mib_end", rssEnd),
                             ("pool_mib_after_warmup", poolWarm), ("pool_mib_end", poolEnd)] {
            report.add(baby ? "train-step-baby" : "train-step", threads: threads, key, value)
        }
    }
    Threads.setCount(1)
}

/// Resident set size now, in MiB (from /proc/self/statm; 0 where it does not exist).
func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

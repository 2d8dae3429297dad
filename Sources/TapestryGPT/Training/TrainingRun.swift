// TrainingRun: everything `swift run train` does around the loop: header, progress lines,
// evaluations, checkpoints, attention dump, loss curve, final sample, summary.
//
// Files in config.out (each written atomically):
//   model.safetensors, train-state.safetensors     at every evaluation, at the end, and on Ctrl-C
//   attention.safetensors                          at the end (and every eval with the flag)
//   loss.csv, loss.svg                             at every evaluation
//   summary.json                                   at the end

import Foundation
import Tapestry
import TapestryNN
import TapestryText

/// Final figures of a run (written to summary.json).
public struct TrainSummary: Codable, Sendable {
    public var finalTrainLoss: Float
    public var finalValLoss: Float
    public var valBitsPerByte: Double
    public var iterations: Int
    public var parameters: Int
    public var medianMsPerIter: Double
    public var tokensPerSecond: Double
    public var wallSeconds: Double
    public var peakMemoryBytes: Int
    /// Peak resident set size of the trainer in MiB (`peakMemoryBytes`: VmHWM on Linux).
    public var peakRssMiB: Double
    public var sample: String
}

/// Runs a whole training job; `print` receives every progress line.
///
/// Every input is read and checked before anything is written: a bad flag, corpus, tokenizer
/// or checkpoint throws a one-line `TrainError` and leaves `--out` untouched. Checkpoints are
/// written atomically at every evaluation, so a crash keeps the last complete one.
/// `stopRequested` is asked after every step (the `train` program passes Ctrl-C's flag); when
/// it says yes, the run saves a resumable checkpoint, prints where, and throws
/// `TrainingInterrupted`. A non-finite loss, gradient or weight throws a `TrainError` naming
/// the step and the first bad tensor, without overwriting the last good checkpoint.
public func runTraining(_ config: TrainConfig, print: (String) -> Void,
                        stopRequested: () -> Bool = { false }) throws -> TrainSummary {
    let clock = ContinuousClock()
    let started = clock.now
    Threads.setCount(config.threads)
    let out = try OutputDirectory(checking: config.out)
    let data = try TrainingData.load(config, log: print)
    let trainer = try checkedTrainer(config, data: data)
    if config.health { trainer.health = TrainingHealth(model: trainer.model, config: config) }
    let probe = try probeTokens(config, data: data)
    var history: [LossRecord] = []
    var lastSaved: Int? = nil                      // step of the last complete checkpoint
    if config.resume {
        let statePath = out.file("train-state.safetensors")
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw TrainError("--resume: \(statePath) does not exist (nothing to resume; run once without --resume)", exitCode: 2)
        }
        history = try TrainState.load(into: trainer, path: statePath)
        lastSaved = trainer.iteration
    }
    try out.create()
    if config.resume { print("resumed from \(out.path) at step \(trainer.iteration)") }

    let model = trainer.model
    let vocabulary = data.tokenizer.vocabularySize
    print("parameters: \(model.parameterCount) (\(model.nonEmbeddingParameterCount) without wpe)")
    if model.config.usesExperts {
        print("mixture of experts: \(model.config.moeExperts) experts of width \(model.config.expertHiddenSize), "
            + "top-\(model.config.moeTopK); active parameters per token: \(model.activeParameterCount)")
    }
    if model.config.positionalEncoding != .learned { print("positions: \(model.config.positionalEncoding.rawValue)") }
    print("vocab size: \(vocabulary) (\(config.tokenizer)), train tokens: \(data.train.count), val tokens: \(data.val.count)")
    print("expected initial loss ln(\(vocabulary)) = \(fmt(Float(Foundation.log(Double(vocabulary)))))")

    /// A failure (divergence, a write error) that also says which checkpoint is still good.
    func keepingCheckpoint(_ error: TrainError) -> TrainError {
        let kept = lastSaved.map { "; the last good checkpoint (step \($0)) is kept in \(out.path)" } ?? ""
        return TrainError(error.description + kept, exitCode: error.exitCode)
    }
    var stepMilliseconds: [Double] = []
    var announcedReplay = false                    // the "tape: ... replay" line, printed once
    var last = (train: Float.nan, val: Float.nan)
    if let record = history.last, record.iteration == trainer.iteration { last = (record.trainLoss, record.valLoss) }
    while true {
        let iteration = trainer.iteration
        // A resumed run skips the evaluation its checkpoint already holds (no duplicate row).
        let evaluated = history.last?.iteration == iteration
        if (iteration % config.evalInterval == 0 || iteration == config.maxIters) && !evaluated {
            last = trainer.estimateLoss()
            guard last.train.isFinite && last.val.isFinite else {
                throw keepingCheckpoint(TrainError(trainer.nonFiniteMessageAfterForward(
                    what: "estimated loss is train \(last.train), val \(last.val)")))
            }
            let lr = trainer.schedule(iteration)
            history.append(LossRecord(iteration: iteration, trainLoss: last.train, valLoss: last.val, learningRate: lr))
            let bpb = data.bitsPerByte(valLoss: last.val)
            print("step \(iteration): train loss \(fmt(last.train)), val loss \(fmt(last.val)) (\(fmt(Float(bpb))) bits/byte)")
            do { try saveCheckpoint(trainer, history: history, out: out, valLoss: last.val) }
            catch let error as TrainError { throw keepingCheckpoint(error) }
            lastSaved = iteration
            if config.dumpAttentionEveryEval {
                try AttentionDump.write(model: model, tokenizer: data.tokenizer, probe: probe,
                                        iteration: iteration, to: out.file("attention.safetensors"))
            }
        }
        if iteration >= config.maxIters {
            // The final dump is written here, outside the evaluation, so that a run resumed after
            // a kill during its last writes (its evaluation already in the history) still writes it.
            if !config.dumpAttentionEveryEval || evaluated {
                try AttentionDump.write(model: model, tokenizer: data.tokenizer, probe: probe,
                                        iteration: iteration, to: out.file("attention.safetensors"))
            }
            // Likewise the loss curve: a kill after the final train state was saved but before
            // loss.csv was rewritten left it one row short, and the resumed run (which finds the
            // final evaluation in its history) never wrote it again.
            if evaluated { try LossCurve.write(history, csv: out.file("loss.csv"), svg: out.file("loss.svg")) }
            break
        }
        let stepStart = clock.now
        let loss: Float
        do { loss = try trainer.step().loss } catch let error as TrainError { throw keepingCheckpoint(error) }
        let milliseconds = (clock.now - stepStart).milliseconds
        stepMilliseconds.append(milliseconds)
        if !announcedReplay, let ops = trainer.replayedOps {
            print("tape: step \(trainer.iteration) recorded \(ops) ops; the next steps replay them (lesson 4)")
            announcedReplay = true
        }
        if trainer.iteration % config.logInterval == 0 || trainer.iteration == 1 {
            let recent = median(Array(stepMilliseconds.suffix(config.logInterval)))
            let remaining = Double(config.maxIters - trainer.iteration) * recent / 1000
            print("iter \(trainer.iteration): loss \(fmt(loss)), lr \(fmtExp(trainer.schedule(iteration))), "
                + "\(fmt(Float(recent))) ms/iter, \(Int(Double(trainer.tokensPerStep) / recent * 1000)) tok/s, "
                + "ETA \(duration(remaining))")
            let experts = trainer.takeExpertStatistics()
            if experts.passes > 0 {
                print("  expert utilization (aux loss \(fmt(experts.auxiliaryLoss))): " + experts.lines.joined(separator: " | "))
            }
            if let report = trainer.health?.takeReport() { report.lines.forEach(print) }
        }
        if stopRequested() {
            // Mid-interval is fine: the history holds the evaluations so far, and a resumed run
            // evaluates at the next multiple of --eval-interval exactly as this one would have.
            do { try saveCheckpoint(trainer, history: history, out: out, valLoss: history.last?.valLoss) }
            catch let error as TrainError { throw keepingCheckpoint(error) }
            let stop = TrainingInterrupted(iteration: trainer.iteration, modelPath: out.file("model.safetensors"),
                                           trainStatePath: out.file("train-state.safetensors"))
            print(stop.description)
            throw stop
        }
    }

    let prompt = try data.tokenizer.encode("\n")
    let generated = TextGenerator(model: model).generate(prompt: prompt, count: config.sampleLength, seed: config.seed)
    let sample = data.tokenizer.decode(generated)
    print("sample:\n\(sample)")
    let medianStep = median(stepMilliseconds)
    let peakBytes = peakMemoryBytes()
    let summary = TrainSummary(
        finalTrainLoss: last.train, finalValLoss: last.val, valBitsPerByte: data.bitsPerByte(valLoss: last.val),
        iterations: trainer.iteration, parameters: model.parameterCount, medianMsPerIter: medianStep,
        tokensPerSecond: medianStep > 0 ? Double(trainer.tokensPerStep) / medianStep * 1000 : 0,
        wallSeconds: (clock.now - started).milliseconds / 1000, peakMemoryBytes: peakBytes,
        peakRssMiB: Double(peakBytes) / 1_048_576, sample: sample)
    print("done: \(trainer.iteration) steps, median \(fmt2(Float(medianStep))) ms/iter, "
        + "\(Int(summary.tokensPerSecond)) tok/s, wall \(duration(summary.wallSeconds)), "
        + "peak memory \(fmt2(Float(summary.peakRssMiB))) MiB (peak resident set size)")
    let encoder = JSONEncoder.sorted
    encoder.outputFormatting.insert(.prettyPrinted)
    try writeFileAtomically(Array(try encoder.encode(summary)), to: out.file("summary.json"))
    print("wrote \(out.path)/{model,train-state,attention}.safetensors, loss.csv, loss.svg, summary.json")
    return summary
}

/// Model + train state + loss curve, each atomically. Refuses to write non-finite weights,
/// so a diverging run never replaces the last good checkpoint.
func saveCheckpoint(_ trainer: Trainer, history: [LossRecord], out: OutputDirectory, valLoss: Float?) throws {
    if let bad = trainer.model.parameters.first(where: { !isAllFinite($0.value) }) {
        throw TrainError("training diverged at step \(trainer.iteration): tensor \(bad.name) is not finite "
            + "(first non-finite tensor); try a lower --lr")
    }
    try ModelCheckpoint.save(trainer.model, tokenizer: trainer.data.tokenizer, iteration: trainer.iteration,
                             valLoss: valLoss, to: out.file("model.safetensors"))
    try TrainState.save(trainer, history: history, to: out.file("train-state.safetensors"))
    try LossCurve.write(history, csv: out.file("loss.csv"), svg: out.file("loss.svg"))
}


/// The tokens whose attention is dumped: `--probe` text, or the first block of the val split.
func probeTokens(_ config: TrainConfig, data: TrainingData) throws -> [Int] {
    guard let text = config.probe else { return Array(data.val.prefix(config.model.blockSize)) }
    do {
        let ids = try data.tokenizer.encode(text)
        guard !ids.isEmpty else { throw TrainError("--probe: the text is empty", exitCode: 2) }
        return ids
    } catch let error as TrainError { throw error } catch {
        throw TrainError("--probe: \(error)", exitCode: 2)
    }
}

/// A fresh trainer for `config` on `data`, once the model and batch are known to fit in memory
/// (else a one-line `TrainError`, exit code 2). `train` and `train --profile` both start here.
func checkedTrainer(_ config: TrainConfig, data: TrainingData) throws -> Trainer {
    var modelConfig = config.model
    modelConfig.vocabSize = data.tokenizer.vocabularySize
    if let problem = MemoryEstimate.problem(modelConfig, batchSize: config.batchSize) {
        throw TrainError(problem, exitCode: 2)
    }
    return Trainer(config: config, data: data)
}

// TrainingRun: everything `swift run train` does around the loop: header, progress lines,
// evaluations, checkpoints, attention dump, loss curve, final sample, summary.
//
// Files in config.out (each written atomically):
//   model.safetensors, train-state.safetensors     at every evaluation and at the end
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
    public var sample: String
}

/// Runs a whole training job; `print` receives every progress line.
public func runTraining(_ config: TrainConfig, print: (String) -> Void) throws -> TrainSummary {
    let clock = ContinuousClock()
    let started = clock.now
    Threads.setCount(config.threads)
    let out = try OutputDirectory(config.out)
    let data = try TrainingData.load(config, log: print)
    let trainer = Trainer(config: config, data: data)
    var history: [LossRecord] = []
    if config.resume {
        let loaded = try ModelCheckpoint.load(path: out.file("model.safetensors"))
        guard loaded.model.config == trainer.model.config else {
            throw TrainError("--resume: \(out.file("model.safetensors")) has config \(loaded.model.config), "
                + "the flags give \(trainer.model.config)", exitCode: 2)
        }
        for (mine, theirs) in zip(trainer.model.parameters, loaded.model.parameters) { mine.load(theirs.value) }
        history = try TrainState.load(into: trainer, path: out.file("train-state.safetensors"))
        print("resumed from \(out.path) at step \(trainer.iteration)")
    }

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

    var stepMilliseconds: [Double] = []
    var last = (train: Float.nan, val: Float.nan)
    let probe = try probeTokens(config, data: data)
    while true {
        let iteration = trainer.iteration
        if iteration % config.evalInterval == 0 || iteration == config.maxIters {
            last = trainer.estimateLoss()
            let lr = trainer.schedule(iteration)
            history.append(LossRecord(iteration: iteration, trainLoss: last.train, valLoss: last.val, learningRate: lr))
            let bpb = data.bitsPerByte(valLoss: last.val)
            print("step \(iteration): train loss \(fmt(last.train)), val loss \(fmt(last.val)) (\(fmt(Float(bpb))) bits/byte)")
            try saveCheckpoint(trainer, history: history, out: out, valLoss: last.val)
            if config.dumpAttentionEveryEval || iteration == config.maxIters {
                try AttentionDump.write(model: model, tokenizer: data.tokenizer, probe: probe,
                                        iteration: iteration, to: out.file("attention.safetensors"))
            }
        }
        if iteration >= config.maxIters { break }
        let stepStart = clock.now
        let (loss, _) = try trainer.step()
        let milliseconds = (clock.now - stepStart).milliseconds
        stepMilliseconds.append(milliseconds)
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
        }
    }

    let prompt = try data.tokenizer.encode("\n")
    let generated = TextGenerator(model: model).generate(prompt: prompt, count: config.sampleLength, seed: config.seed)
    let sample = data.tokenizer.decode(generated)
    print("sample:\n\(sample)")
    let medianStep = median(stepMilliseconds)
    let summary = TrainSummary(
        finalTrainLoss: last.train, finalValLoss: last.val, valBitsPerByte: data.bitsPerByte(valLoss: last.val),
        iterations: trainer.iteration, parameters: model.parameterCount, medianMsPerIter: medianStep,
        tokensPerSecond: medianStep > 0 ? Double(trainer.tokensPerStep) / medianStep * 1000 : 0,
        wallSeconds: (clock.now - started).milliseconds / 1000, peakMemoryBytes: peakMemoryBytes(), sample: sample)
    let encoder = JSONEncoder.sorted
    encoder.outputFormatting.insert(.prettyPrinted)
    try writeFileAtomically(Array(try encoder.encode(summary)), to: out.file("summary.json"))
    print("wrote \(out.path)/{model,train-state,attention}.safetensors, loss.csv, loss.svg, summary.json")
    return summary
}

/// Model + train state + loss curve, all atomically.
func saveCheckpoint(_ trainer: Trainer, history: [LossRecord], out: OutputDirectory, valLoss: Float) throws {
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

// Trainer: the training loop, nanoGPT's train.py in one readable class.
//
// One optimizer step:
//   lr = schedule(iteration)                       warmup, then cosine decay
//   for each micro-batch:                          gradient accumulation
//       loss = model(x, y) / gradAccum              forward, recorded on the tape
//              (+ moe_aux_weight · load-balancing loss with a mixture of experts)
//       tape.backward(loss); tape.reset()           gradients add into the parameters
//   clip the global gradient norm to gradClip
//   AdamW step with lr; zero the gradients
//
// Record once, replay: the first step runs the model's forward code, which records the ops on
// the tape; later steps refill the recording's token buffers with the new batch and replay it
// (Tape.replay), bit for bit the same computation with no allocation at all; dropout draws
// its masks from a stream re-seeded for each step. Anything that watches the forward pass as
// it runs (--health, --profile, a mixture of experts' routing statistics) or an op that cannot
// replay (one that hands `record` no forward closure) makes every step record afresh instead.
//
// Determinism: batches come from one seeded generator whose state is saved in the train
// state; dropout and evaluation batches come from generators derived from (seed, step), so
// they never shift the batch stream. Same seed and config → bit-identical losses.
// Lesson: notebooks-md/09-training.md

import Tapestry
import TapestryNN

/// Trains a GPT according to a `TrainConfig`, step by step.
public final class Trainer {
    public let config: TrainConfig
    public let data: TrainingData
    public let model: GPT
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    /// Source of training batches; its state is part of the train state (exact resume).
    public internal(set) var batchGenerator: RandomGenerator
    /// Optimizer steps taken so far.
    public internal(set) var iteration = 0
    /// The batch used for every step with `--overfit-batch`.
    var fixedBatch: Batch?
    /// The tape every step records on (public so a profiler can be attached to it).
    public let tape = Tape()
    /// Mixture of experts: routing statistics summed over the micro-batches since the last
    /// `takeExpertStatistics()`.
    var expertStatistics = ExpertStatistics()
    /// `--health`: per-layer figures measured at each log step (nil: off, no cost).
    public var health: TrainingHealth?
    /// The loss's gradient seed, 1/gradAccum: made once, not once per micro-batch.
    let lossSeed: Tensor
    /// Whether a step may replay the recorded one instead of running the model's forward code
    /// (the same numbers either way; tests turn it off to compare).
    public var replaysRecordedStep = true
    /// The ids and targets of the current batch, refilled in place: the recorded step reads them.
    let batchInputs = IndexBuffer(), batchTargets = IndexBuffer()
    /// Dropout's random stream, re-seeded from (seed, step) before every forward pass.
    let dropoutStream = RandomStream(RandomGenerator(seed: 0))
    /// The recorded step's loss, the tape generation it belongs to (a reset ends it) and its
    /// number of ops (anything recorded on the tape since would be replayed too: then record afresh).
    var recording: (loss: Variable, generation: Int, ops: Int)?

    /// A fresh model and optimizer for `config` on `data`.
    public init(config: TrainConfig, data: TrainingData) {
        var modelConfig = config.model
        modelConfig.vocabSize = data.tokenizer.vocabularySize
        self.config = config
        self.data = data
        self.model = GPT(config: modelConfig, seed: config.seed)
        self.optimizer = AdamW(parameters: model.parameters, learningRate: config.learningRate,
                               beta1: config.beta1, beta2: config.beta2, epsilon: 1e-8,
                               weightDecay: config.weightDecay)
        self.schedule = LearningRateSchedule(warmupIterations: config.warmupIters,
                                             decayIterations: config.lrDecayIters,
                                             maxLearningRate: config.learningRate,
                                             minLearningRate: config.minLearningRate)
        self.batchGenerator = RandomGenerator(seed: config.seed &+ 1)     // (nextBatch repeats this seed)
        self.lossSeed = Tensor(1 / Float(config.gradAccum))
        tape.releasesIntermediateGradients = true          // peak memory: see Tape
    }

    /// Tokens processed per optimizer step.
    public var tokensPerStep: Int { config.batchSize * config.model.blockSize * config.gradAccum }

    /// The next training batch (always the same one with `--overfit-batch`).
    func nextBatch() -> Batch {
        if config.overfitBatch {
            // The stream's first batch, drawn from a fresh copy of its generator rather than
            // from the stream itself, so that a resumed run (whose stream has moved on) finds
            // the same batch.
            if let fixedBatch { return fixedBatch }
            var first = RandomGenerator(seed: config.seed &+ 1)
            let batch = Batch.sample(from: data.train, batchSize: config.batchSize,
                                     time: config.model.blockSize, generator: &first)
            fixedBatch = batch
            return batch
        }
        return Batch.sample(from: data.train, batchSize: config.batchSize,
                            time: config.model.blockSize, generator: &batchGenerator)
    }

    /// How many ops the kept recording holds (nil: none is kept, or the tape has changed since:
    /// reset, or more ops recorded; the next step records).
    public var replayedOps: Int? {
        guard let recording, recording.generation == tape.generation, recording.ops == tape.nodeCount else { return nil }
        return recording.ops
    }

    /// Writes the next training batch into `batchInputs` and `batchTargets`.
    func fillNextBatch() {
        if config.overfitBatch {
            let batch = nextBatch()
            batchInputs.values = batch.inputs
            batchTargets.values = batch.targets
        } else {
            Batch.sample(from: data.train, batchSize: config.batchSize, time: config.model.blockSize,
                         generator: &batchGenerator, into: batchInputs, targets: batchTargets)
        }
    }

    /// Whether the step just recorded may be kept and replayed: every op can replay, and nothing
    /// observes the forward pass itself (residual statistics, the profiler, expert routing).
    func canKeepRecording(residuals: ResidualStatistics?) -> Bool {
        replaysRecordedStep && tape.isReplayable && residuals == nil && tape.profiler == nil
            && config.model.moeExperts == 0
    }

    /// One optimizer step. Returns the mean loss over its micro-batches and the gradient norm
    /// before clipping. Throws when the loss or a gradient is not finite.
    public func step() throws -> (loss: Float, gradientNorm: Float) {
        let learningRate = schedule(iteration)
        var lossSum: Float = 0
        let residuals = health?.beginStep(iteration + 1)
        for micro in 0..<config.gradAccum {
            lossSum += try forwardBackward(micro: micro, residuals: residuals)
            // Unless the recording is kept for replay: only now, with the forward's outputs
            // released, can every buffer go back to the pool (a tensor still referenced at
            // reset, say last step's attention weights, is freed and allocated afresh next
            // step, page faults and all).
            if recording == nil { tape.reset() }
        }
        let meanLoss = lossSum / Float(config.gradAccum)
        guard meanLoss.isFinite else {
            throw TrainError(nonFiniteMessage(what: "loss is \(meanLoss)"))
        }
        health?.recordGradients()
        let norm = config.gradClip > 0
            ? clipGradientNorm(optimizer.parameters, maxNorm: config.gradClip)
            : clipGradientNorm(optimizer.parameters, maxNorm: .infinity)
        guard norm.isFinite else {
            throw TrainError(nonFiniteMessage(what: "gradient norm is \(norm)"))
        }
        health?.recordClip(norm: norm)
        health?.recordWeightsBeforeUpdate()
        optimizer.step(learningRate: learningRate)
        health?.endStep()
        optimizer.zeroGrad()
        iteration += 1
        return (meanLoss, norm)
    }

    /// Forward and backward of one micro-batch: adds loss/gradAccum's gradients into the
    /// parameters and returns the micro-batch loss. Replays the recorded step when there is one;
    /// otherwise runs the model (recording), and keeps the recording if it can be replayed.
    /// When it is not kept, everything the forward pass produced (logits, attention weights) is
    /// released when this returns, before `tape.reset()`.
    /// `residuals` (with --health, on measured steps) observes the residual stream.
    func forwardBackward(micro: Int, residuals: ResidualStatistics? = nil) throws -> Float {
        fillNextBatch()
        dropoutStream.generator = RandomGenerator.derived(seed: config.seed,
                                                          stream: UInt64(iteration * config.gradAccum + micro))
        let modelLoss: Variable                           // the cross-entropy, reported
        var loss: Variable                                // what backward starts from
        if let recording, replayedOps != nil, residuals == nil, tape.profiler == nil {
            tape.replay()                                  // the recorded step, on this batch
            (modelLoss, loss) = (recording.loss, recording.loss)
        } else {
            tape.reset()
            var context = ForwardContext(training: true)
            context.stream = dropoutStream
            context.residualStatistics = residuals
            tape.profiler?.start()                     // the batch is not charged to the first op
            let output = model(batchInputs, batch: config.batchSize, time: config.model.blockSize,
                               targets: batchTargets, tape: tape, context: &context)
            (modelLoss, loss) = (output.loss!, output.loss!)
            if let auxiliary = output.auxiliaryLoss {
                expertStatistics.add(utilization: output.expertUtilization, auxiliaryLoss: auxiliary.value.item)
                if config.moeAuxWeight > 0 { loss = loss + auxiliary * config.moeAuxWeight }
            }
            recording = canKeepRecording(residuals: residuals) ? (loss, tape.generation, tape.nodeCount) : nil
        }
        guard modelLoss.value.item.isFinite else {
            // Diagnose before the tape forgets the forward pass; no update happens.
            let message = nonFiniteMessage(what: "loss is \(modelLoss.value.item)", forward: tape.entries)
            tape.reset()
            optimizer.zeroGrad()
            throw TrainError(message)
        }
        let microLoss = modelLoss.value.item
        // Each micro-batch contributes loss / gradAccum, so the sum is the mean loss.
        tape.backward(loss, seed: lossSeed)
        return microLoss
    }

    /// Names the step and the first tensor that is not finite, looking where a divergence
    /// starts: a weight (a previous update overflowed), else the first op output of the
    /// `forward` pass in execution order (finite weights can still overflow an activation),
    /// else a gradient.
    func nonFiniteMessage(what: String, forward: [TapeEntry] = []) -> String {
        let culprit: String
        if let parameter = model.parameters.first(where: { !isAllFinite($0.value) }) {
            culprit = "first non-finite tensor: \(parameter.name)"
        } else if let entry = forward.first(where: { !isAllFinite($0.value) }) {
            culprit = "first non-finite tensor: the output of op \(entry.index + 1) of \(forward.count), "
                + "'\(entry.op)' \(entry.value.shape), in the forward pass; all weights are finite"
        } else if let parameter = model.parameters.first(where: { !isAllFinite($0.grad) }) {
            culprit = "first non-finite tensor: the gradient of \(parameter.name)"
        } else {
            culprit = "all weights finite"
        }
        return "training diverged at step \(iteration): \(what) (\(culprit)); try a lower --lr"
    }

    /// `nonFiniteMessage` after one recorded forward pass on a training batch drawn from a
    /// generator of its own (the batch stream is untouched): used when an evaluation, which
    /// records nothing, found a non-finite loss.
    func nonFiniteMessageAfterForward(what: String) -> String {
        tape.reset()                                       // (ends a kept recording)
        var generator = RandomGenerator.derived(seed: config.seed ^ 0xD1A6, stream: UInt64(iteration))
        let batch = Batch.sample(from: data.train, batchSize: config.batchSize, time: config.model.blockSize,
                                 generator: &generator)
        var context = ForwardContext.evaluation
        _ = model(batch.inputs, batch: batch.batchSize, time: batch.time, targets: batch.targets,
                  tape: tape, context: &context)
        defer { tape.reset() }
        return nonFiniteMessage(what: what, forward: tape.entries)
    }

    /// Mean loss over `config.evalIters` batches of each split, without recording.
    /// Batches come from a generator derived from (seed, iteration), so an estimate never
    /// changes the training batch stream.
    public func estimateLoss() -> (train: Float, val: Float) {
        tape.reset()                          // a kept recording's buffers serve the evaluation
        func mean(_ tokens: [Int], stream: UInt64, fixed: Batch?) -> Float {
            var generator = RandomGenerator.derived(seed: config.seed ^ 0xE7A1, stream: stream)
            var total: Double = 0
            for _ in 0..<config.evalIters {
                let batch = fixed ?? Batch.sample(from: tokens, batchSize: config.batchSize,
                                                  time: config.model.blockSize, generator: &generator)
                var context = ForwardContext.evaluation
                let loss = tape.withoutGrad {
                    model(batch.inputs, batch: batch.batchSize, time: batch.time, targets: batch.targets,
                          tape: tape, context: &context).loss!.value.item
                }
                tape.reset()
                total += Double(loss)
            }
            return Float(total / Double(config.evalIters))
        }
        // With --overfit-batch the "train" loss is measured on the one batch being memorized.
        let trainFixed = config.overfitBatch ? nextBatch() : nil
        return (mean(data.train, stream: UInt64(iteration) * 2, fixed: trainFixed),
                mean(data.val, stream: UInt64(iteration) * 2 + 1, fixed: nil))
    }
}

/// Whether every element of `tensor` is finite (no NaN, no ±infinity).
func isAllFinite(_ tensor: Tensor) -> Bool {
    let pointer = tensor.pointer
    for index in 0..<tensor.count where !pointer[index].isFinite { return false }
    return true
}

/// Mixture of experts: how the router spread the tokens, averaged over forward passes.
public struct ExpertStatistics: Sendable {
    /// Per layer, per expert: the sum of the utilization fractions.
    var utilizationSums: [[Double]] = []
    var auxiliaryLossSum: Double = 0
    /// Forward passes summed.
    public private(set) var passes = 0

    mutating func add(utilization: [[Float]], auxiliaryLoss: Float) {
        if utilizationSums.isEmpty { utilizationSums = utilization.map { $0.map { _ in 0 } } }
        for (layer, fractions) in utilization.enumerated() {
            for (e, fraction) in fractions.enumerated() { utilizationSums[layer][e] += Double(fraction) }
        }
        auxiliaryLossSum += Double(auxiliaryLoss)
        passes += 1
    }

    /// Per layer, the mean fraction of (token, expert) assignments each expert received.
    public var utilization: [[Float]] {
        utilizationSums.map { $0.map { Float($0 / Double(Swift.max(passes, 1))) } }
    }

    /// The mean load-balancing loss (1 = balanced).
    public var auxiliaryLoss: Float { Float(auxiliaryLossSum / Double(Swift.max(passes, 1))) }

    /// One line per layer: `layer 0: 0.26 0.24 0.27 0.23`.
    public var lines: [String] {
        utilization.enumerated().map { layer, fractions in
            "layer \(layer): " + fractions.map { fmt2($0) }.joined(separator: " ")
        }
    }
}

extension Trainer {
    /// The routing statistics since the last call (empty for a dense model), and a fresh start.
    public func takeExpertStatistics() -> ExpertStatistics {
        defer { expertStatistics = ExpertStatistics() }
        return expertStatistics
    }
}

// SortednessTraining: the training loop of the mini-transformer example.
//
// Each step draws a fresh batch from the training split (never a test sequence), runs the
// classifier with dropout on, and takes an AdamW step (weight decay 0.01, PyTorch's default for
// AdamW; gradient norm clipped to 1) with a learning rate that warms up linearly, then follows a
// cosine down to a tenth. Every `evalInterval` steps, and at the end, it measures accuracy on the
// fixed held-out test set with dropout off. Same options → same numbers, to the last digit.

import Tapestry
import TapestryNN
import TapestryGPT

/// The example's settings (each one a command-line flag).
struct Options {
    var steps = 1500
    var batchSize = 32
    var learningRate: Float = 1e-3
    var warmupSteps = 40
    var dropout: Float = 0.1
    var evalInterval = 250
    var testSize = 1000
    var seed: UInt64 = 1
    var out = "out"
}

/// What a run measured.
struct RunResult {
    let correct: Int
    let total: Int
    /// Correct and total per kind of example (sorted, near-sorted, random).
    let byKind: [ExampleKind: (correct: Int, total: Int)]
    var accuracy: Double { Double(correct) / Double(total) }
}

enum SortednessTraining {
    static let task = SortednessTask(vocabulary: 16, length: 10)

    /// Trains a classifier and reports progress lines through `print`.
    static func run(_ options: Options, print: (String) -> Void) -> (SortednessClassifier, RunResult) {
        var config = MiniTransformerConfig()                       // the seed's: 2 × (d 128, 8 heads, F 256)
        config.layer.dropout = options.dropout
        let model = SortednessClassifier(vocabulary: task.vocabulary, length: task.length, config: config,
                                         seed: options.seed)
        var testGenerator = RandomGenerator.derived(seed: options.seed, stream: 0x7E57)
        let test = task.examples(options.testSize, split: .test, generator: &testGenerator)
        var batchGenerator = RandomGenerator.derived(seed: options.seed, stream: 0xBA7C)
        let optimizer = AdamW(parameters: model.parameters, learningRate: options.learningRate, weightDecay: 0.01)
        let schedule = LearningRateSchedule(warmupIterations: options.warmupSteps, decayIterations: options.steps,
                                            maxLearningRate: options.learningRate,
                                            minLearningRate: options.learningRate / 10)
        let tape = Tape()
        print("mini-transformer: is a sequence of \(task.length) tokens from 0..<\(task.vocabulary) sorted?")
        print("model: token + position embeddings, MiniTransformer (2 encoder layers, d 128, 8 heads, F 256, "
              + "dropout \(options.dropout)), \(model.parameterCount) parameters")
        print("data: \(options.batchSize) fresh training sequences per step; \(test.count) held-out test sequences "
              + "(half sorted, chance = 50%)")
        var lossSum: Float = 0, lossCount = 0
        var result = RunResult(correct: 0, total: 0, byKind: [:])
        for step in 0..<options.steps {
            let batch = task.examples(options.batchSize, split: .train, generator: &batchGenerator)
            var context = ForwardContext(training: true,
                                         generator: RandomGenerator.derived(seed: options.seed, stream: UInt64(step)))
            let logits = model(batch.flatMap(\.tokens), batch: batch.count, length: task.length, tape: tape,
                               context: &context)
            let loss = SortednessClassifier.loss(logits: logits, labels: batch.map(\.label))
            lossSum += loss.value.item
            lossCount += 1
            tape.backward(loss)
            tape.reset()
            _ = clipGradientNorm(model.parameters, maxNorm: 1)
            optimizer.step(learningRate: schedule(step))
            optimizer.zeroGrad()
            if (step + 1) % options.evalInterval == 0 || step + 1 == options.steps {
                result = evaluate(model, on: test)
                print(String(format: "step %4d  train loss %.4f  test accuracy %5.1f%%",
                             step + 1, lossSum / Float(lossCount), 100 * result.accuracy))
                lossSum = 0
                lossCount = 0
            }
        }
        return (model, result)                                            // the last step always evaluates
    }

    /// Accuracy (dropout off) on `examples`: predicted sorted when the logit is positive.
    static func evaluate(_ model: SortednessClassifier, on examples: [SortednessExample]) -> RunResult {
        let tape = Tape()
        var byKind: [ExampleKind: (correct: Int, total: Int)] = [:]
        var correct = 0
        for start in stride(from: 0, to: examples.count, by: 100) {
            let chunk = Array(examples[start..<min(start + 100, examples.count)])
            var context = ForwardContext.evaluation
            let logits = tape.withoutGrad {
                model(chunk.flatMap(\.tokens), batch: chunk.count, length: task.length, tape: tape, context: &context).value
            }
            tape.reset()
            for (i, example) in chunk.enumerated() {
                let right = (logits[flat: i] > 0 ? 1 : 0) == example.label
                correct += right ? 1 : 0
                byKind[example.kind, default: (0, 0)].correct += right ? 1 : 0
                byKind[example.kind, default: (0, 0)].total += 1
            }
        }
        return RunResult(correct: correct, total: examples.count, byKind: byKind)
    }
}

// Lesson 9: training (notebooks-md/09-training.md): cross-entropy, AdamW, the learning-rate
// schedule, gradient clipping, and a real (tiny) training run whose loss curve we read.

import ExerciseSolutions
import Foundation
import Tapestry
import TapestryGPT
import TapestryNN
import Testing

@Suite struct Lesson09TrainingTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "09")
    }

    @Test func crossEntropyAndItsGradient() {
        // lesson: 09-cross-entropy begin
        let tape = Tape()
        let logits = tape.variable(Tensor([[2.0, 1.0, 0.1],                      // N = 2 positions, V = 3
                                           [0.5, 2.5, 0.0]]))
        let loss = logits.crossEntropy(targets: [0, 2])                          // mean of −log p[target]
        tape.backward(loss)
        let gradient = tape.gradient(of: logits)!                                // (p − onehot) / N
        // lesson: 09-cross-entropy end
        LessonBook.pin("09-loss", loss.value.item)
        LessonBook.pin("09-probabilities", tape.constant(logits.value).softmax().value.scalars)
        LessonBook.pin("09-gradient", text: "\(gradient)")
    }

    @Test func adamMovesEveryParameterByAboutTheLearningRate() throws {
        // lesson: 09-adamw begin
        let weight = Parameter("w", Tensor([[1, 1, 1]]))                          // [1, 3]: a matrix, so it decays
        let optimizer = AdamW(parameters: [weight], learningRate: 0.01, beta1: 0.9, beta2: 0.99,
                              epsilon: 1e-8, weightDecay: 0.1)
        weight.grad = Tensor([[0.001, 1, 100]])                                  // gradients 100 000× apart
        optimizer.step()
        let change = (weight.value - Tensor([[1, 1, 1]])).scalars
        // lesson: 09-adamw end
        LessonBook.pin("09-adam-change", change)
        // The reference answer of exercise 9.1 takes the same steps as the library's AdamW.
        var state = (parameters: [Float]([1, -2, 0.5]), firstMoment: [Float](repeating: 0, count: 3),
                     secondMoment: [Float](repeating: 0, count: 3))
        let matrix = Parameter("m", Tensor([[1, -2, 0.5]]))
        let library = AdamW(parameters: [matrix], learningRate: 0.05, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1)
        for (step, g) in [[0.3, -1, 2], [0.1, 0.2, -0.5], [-0.4, 0.6, 0.1]].enumerated() as EnumeratedSequence<[[Float]]> {
            matrix.grad = Tensor([g])
            library.step()
            state = try ExerciseSolutions.adamWStep(parameters: state.parameters, gradients: g, firstMoment: state.firstMoment,
                                                    secondMoment: state.secondMoment, step: step + 1, learningRate: 0.05,
                                                    beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1)
            for i in 0..<3 { #expect(abs(state.parameters[i] - matrix.value[0, i]) < 1e-5) }
        }
    }

    @Test func theScheduleAndClipping() throws {
        // lesson: 09-schedule begin
        let schedule = LearningRateSchedule(warmupIterations: 100, decayIterations: 2000,
                                            maxLearningRate: 1e-3, minLearningRate: 1e-4)
        let rates = [0, 50, 99, 100, 1050, 2000, 3000].map { schedule($0) }
        // lesson: 09-schedule end
        LessonBook.pin("09-rates", rates.map { Double($0) * 1e4 })
        for step in [0, 50, 99, 100, 1050, 2000, 3000] {
            #expect(abs(schedule(step) - (try ExerciseSolutions.learningRate(step: step, maxRate: 1e-3, minRate: 1e-4,
                                                                             warmupSteps: 100, decaySteps: 2000))) < 1e-9)
        }

        // lesson: 09-clip begin
        let a = Parameter("a", Tensor([3, 4])), b = Parameter("b", Tensor([0, 0, 12]))
        a.grad = Tensor([3, 4]); b.grad = Tensor([0, 0, 12])                      // global norm √(9 + 16 + 144) = 13
        let normBefore = clipGradientNorm([a, b], maxNorm: 1)
        let normAfter = (a.grad * a.grad).scalars.reduce(0, +) + (b.grad * b.grad).scalars.reduce(0, +)
        // lesson: 09-clip end
        LessonBook.pin("09-clip-before", normBefore)
        LessonBook.pin("09-clip-after", normAfter.squareRoot())
        LessonBook.pin("09-clipped", a.grad.scalars + b.grad.scalars)
        let reference = try ExerciseSolutions.clipGradientNorm([[3, 4], [0, 0, 12]], maxNorm: 1)
        #expect(reference.gradients.flatMap { $0 } == a.grad.scalars + b.grad.scalars)
    }

    @Test func aTinyGPTLearns() throws {
        // lesson: 09-train begin
        var config = TrainConfig()                                                // nanoGPT's defaults, then smaller:
        config.model = GPTConfig(blockSize: 16, vocabSize: 0, nLayer: 1, nHead: 2, nEmbd: 32)
        config.batchSize = 8
        config.warmupIters = 5
        config.lrDecayIters = 60
        config.learningRate = 3e-3
        config.evalIters = 4
        let data = try TrainingData.load(config)                                  // Shakespeare, characters
        let trainer = Trainer(config: config, data: data)
        var curve: [(step: Int, loss: Float, gradientNorm: Float)] = []
        for step in 0..<60 {
            let (loss, norm) = try trainer.step()                                  // forward, backward, clip, AdamW
            curve.append((step, loss, norm))
        }
        let (train, val) = trainer.estimateLoss()
        // lesson: 09-train end
        LessonBook.pin("09-first-loss", curve[0].loss)
        LessonBook.pin("09-vocabulary", data.tokenizer.vocabularySize)
        LessonBook.pin("09-ln-vocabulary", log(Double(data.tokenizer.vocabularySize)))
        LessonBook.pin("09-loss-every-10", stride(from: 0, to: 60, by: 10).map { curve[$0].loss })
        LessonBook.pin("09-norm-first", curve[0].gradientNorm)
        LessonBook.pin("09-norm-last", curve[59].gradientNorm)
        LessonBook.pin("09-estimate-train", train)
        LessonBook.pin("09-estimate-val", val)
        #expect(curve[59].loss < curve[0].loss - 0.8)
    }

    @Test func overfittingOneBatchIsTheFirstSanityCheck() throws {
        // lesson: 09-overfit begin
        var config = TrainConfig()
        config.model = GPTConfig(blockSize: 16, vocabSize: 0, nLayer: 1, nHead: 2, nEmbd: 32)
        config.batchSize = 4
        config.warmupIters = 5
        config.lrDecayIters = 60
        config.learningRate = 1e-2
        config.overfitBatch = true                                                // the same batch every step
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        var losses: [Float] = []
        for _ in 0..<60 { losses.append(try trainer.step().loss) }
        // lesson: 09-overfit end
        LessonBook.pin("09-overfit", [losses[0], losses[59]])
        #expect(losses[59] < 0.5)
    }
}

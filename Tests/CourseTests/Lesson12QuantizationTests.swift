// Lesson 12: quantization and the context window (notebooks-md/12-quantization-context.md).

import ExerciseSolutions
import Foundation
import Tapestry
import TapestryGPT
import Testing

@Suite struct Lesson12QuantizationTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "12")
    }

    @Test func oneRowInInt8() throws {
        let row: [Float] = [0.31, -1.27, 0.004, 0.9, -0.42]
        let (scale, values) = try ExerciseSolutions.quantizeInt8(row)
        LessonBook.pin("12-row-scale", scale)
        LessonBook.pin("12-row-values", values.map(Int.init))
        LessonBook.pin("12-row-back", values.map { Float($0) * scale })
    }

    @Test func quantizingATrainedModel() throws {
        // A small model, trained briefly so that its weights mean something.
        var config = TrainConfig()
        config.model = GPTConfig(blockSize: 16, vocabSize: 0, nLayer: 1, nHead: 2, nEmbd: 32)
        config.batchSize = 8
        config.warmupIters = 5
        config.lrDecayIters = 40
        config.learningRate = 3e-3
        config.evalIters = 8
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        for _ in 0..<40 { _ = try trainer.step() }
        let model = trainer.model
        let before = trainer.estimateLoss().val

        // lesson: 12-round-trip begin
        /// Every row of every matrix rounded to `bits`-bit integers and back: scale = max|row| / (2^(bits−1) − 1).
        func roundTrip(_ model: GPT, bits: Int) -> Float {
            let levels = Float((1 << (bits - 1)) - 1)                       // 127 for int8, 7 for int4
            var worst: Float = 0
            for parameter in model.parameters where parameter.value.rank == 2 {
                let columns = parameter.value.shape[1]
                var value = parameter.value
                value.withUnsafeMutableBufferPointer { w in
                    for start in stride(from: 0, to: w.count, by: columns) {
                        let row = w[start..<(start + columns)]
                        let scale = max(row.map(abs).max()!, 1e-12) / levels
                        for i in row.indices {
                            let restored = (w[i] / scale).rounded() * scale
                            worst = max(worst, abs(restored - w[i]))
                            w[i] = restored
                        }
                    }
                }
                parameter.load(value)
            }
            return worst                                                   // the largest change of any weight
        }
        // lesson: 12-round-trip end
        let originals = model.parameters.map { Tensor(shape: $0.value.shape, scalars: $0.value.scalars) }   // copies: load writes in place
        var batchGenerator = RandomGenerator(seed: 1212)
        let batch = Batch.sample(from: trainer.data.val, batchSize: 8, time: 16, generator: &batchGenerator)
        func logits() -> Tensor {
            let tape = Tape()
            var context = ForwardContext.evaluation
            return tape.withoutGrad { model(batch.inputs, batch: 8, time: 16, tape: tape, context: &context).logits.value }
        }
        let reference = logits()
        func largestLogitChange() -> Float { zip(reference.scalars, logits().scalars).map { abs($0 - $1) }.max()! }
        let int8Error = roundTrip(model, bits: 8)
        let (int8Loss, int8Logits) = (trainer.estimateLoss().val, largestLogitChange())
        for (p, v) in zip(model.parameters, originals) { p.load(v) }
        let int4Error = roundTrip(model, bits: 4)
        let (int4Loss, int4Logits) = (trainer.estimateLoss().val, largestLogitChange())
        for (p, v) in zip(model.parameters, originals) { p.load(v) }
        #expect(trainer.estimateLoss().val == before)
        LessonBook.pin("12-loss-fp32", before)
        LessonBook.pin("12-loss-int8", int8Loss)
        LessonBook.pin("12-loss-int4", int4Loss)
        LessonBook.pin("12-error-int8", int8Error)
        LessonBook.pin("12-error-int4", int4Error)
        LessonBook.pin("12-logits-int8", int8Logits)
        LessonBook.pin("12-logits-int4", int4Logits)
        #expect(int8Logits < int4Logits / 4)
    }

    @Test func sizes() {
        // lesson: 12-sizes begin
        let parameters = [810_880, 124_439_808, 7_000_000_000]                 // ours, GPT-2 small, a 7B model
        let megabytes = parameters.map { p in [4, 2, 1, 0.5].map { bytes in Double(p) * bytes / 1_048_576 } }
        // lesson: 12-sizes end
        LessonBook.pin("12-ours-mb", megabytes[0])
        LessonBook.pin("12-gpt2-mb", megabytes[1])
        LessonBook.pin("12-7b-gb", megabytes[2].map { $0 / 1024 })
    }

    @Test func theContextWindow() {
        // lesson: 12-window begin
        let config = GPTConfig(blockSize: 8, vocabSize: 20, nLayer: 1, nHead: 2, nEmbd: 16)
        let model = GPT(config: config, seed: 12)
        let longText = [5, 3, 9, 1, 4, 1, 5, 9, 2, 6, 5, 3]                   // 12 tokens; the window is 8
        let window = Array(longText.suffix(config.blockSize))                 // what the model can see
        let earlierStart = [7, 7, 7, 7] + window                              // different first 4 tokens
        let generator = TextGenerator(model: model, options: SamplingOptions(temperature: 0), useCache: true)
        let a = generator.generate(prompt: longText, count: 1, seed: 1)
        let b = generator.generate(prompt: earlierStart, count: 1, seed: 1)
        // lesson: 12-window end
        #expect(a == b)
        LessonBook.pin("12-window-same", text: "\(a == b)")
        LessonBook.pin("12-wpe-rows", model.wpe!.weight.value.shape[0])
    }
}

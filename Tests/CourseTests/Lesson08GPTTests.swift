// Lesson 8: the GPT; encoder, decoder and encoder-decoder (notebooks-md/08-gpt.md).

import ExerciseSolutions
import Foundation
import Tapestry
import TapestryGPT
import Testing

@Suite struct Lesson08GPTTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "08")
    }

    @Test func aGPTFromIdsToLogits() throws {
        // lesson: 08-forward begin
        let config = GPTConfig(blockSize: 16, vocabSize: 65, nLayer: 2, nHead: 4, nEmbd: 32)
        let model = GPT(config: config, seed: 8)
        let ids = [20, 43, 50, 50, 53, 1, 61, 53,                                 // B = 2 rows of T = 8 ids
                   58, 46, 43, 1, 41, 39, 58, 2]
        let targets = Array(ids.dropFirst()) + [0]                                 // (the next id at each position)
        let tape = Tape()
        var context = ForwardContext.evaluation
        let output = model(ids, batch: 2, time: 8, targets: targets, tape: tape, context: &context)
        // lesson: 08-forward end
        LessonBook.pin("08-logits-shape", text: "\(output.logits.shape)")
        LessonBook.pin("08-attention-shapes", text: "\(output.attention.map(\.shape))")
        LessonBook.pin("08-initial-loss", output.loss!.value.item)
        LessonBook.pin("08-uniform-loss", log(65.0))
        LessonBook.pin("08-parameter-count", model.parameterCount)
        LessonBook.pin("08-parameter-names", text: model.parameters.prefix(8).map { "\($0.name) \($0.value.shape)" }.joined(separator: "\n"))
        #expect(model.parameterCount == (try ExerciseSolutions.gptParameterCount(vocabularySize: 65, contextLength: 16, channels: 32, layers: 2)))
        #expect(abs(output.loss!.value.item - Float(log(65.0))) < 0.05)
    }

    @Test func parameterCounts() throws {
        // The reference answer of exercise 8.1 against the model itself, and at GPT-2 size.
        for (v, t, c, l) in [(65, 64, 128, 4), (100, 8, 16, 3)] {
            let model = GPT(config: GPTConfig(blockSize: t, vocabSize: v, nLayer: l, nHead: 4, nEmbd: c), seed: 1)
            #expect(model.parameterCount == (try ExerciseSolutions.gptParameterCount(vocabularySize: v, contextLength: t, channels: c, layers: l)))
        }
        let defaultModel = GPT(config: GPTConfig(blockSize: 64, vocabSize: 73, nLayer: 4, nHead: 4, nEmbd: 128), seed: 1)
        LessonBook.pin("08-default-count", defaultModel.parameterCount)
        let gpt2 = try ExerciseSolutions.gptParameterCount(vocabularySize: 50257, contextLength: 1024, channels: 768, layers: 12)
        LessonBook.pin("08-gpt2-count", gpt2)
        LessonBook.pin("08-gpt2-non-embedding", gpt2 - 1024 * 768)
    }

    @Test func theHeadIsTheTokenTable() throws {
        // lesson: 08-tied begin
        let model = GPT(config: GPTConfig(blockSize: 8, vocabSize: 11, nLayer: 1, nHead: 2, nEmbd: 8), seed: 88)
        let tape = Tape()
        var context = ForwardContext.evaluation
        let output = model([1, 2, 3, 4], batch: 1, time: 4, targets: [2, 3, 4, 5], tape: tape, context: &context)
        tape.backward(output.loss!)
        let wte = model.wte.weight                                                 // [V, C], used twice
        // lesson: 08-tied end
        // Its gradient is the sum of the lookup's and the head's; rows never looked up (0, 5..10)
        // still get gradient, from the head alone.
        #expect(wte.grad[7, 0] != 0)
    }

    @Test func encoderDecoderAndCrossAttention() {
        // lesson: 08-variants begin
        var generator = RandomGenerator(seed: 888)
        let tape = Tape()
        func tokens(_ t: Int) -> Variable { tape.constant(Tensor.randomNormal([1, t, 8], using: &generator)) }
        let source = tokens(6), target = tokens(4)                                 // [B, Ts, C], [B, Tt, C]
        // Encoder: every source token sees every source token.
        let encoded = Variable.scaledDotProductAttention(query: source, key: source, value: source,
                                                         heads: 2, causal: false)
        // Decoder: each target token sees itself and earlier target tokens only.
        let decoded = Variable.scaledDotProductAttention(query: target, key: target, value: target,
                                                         heads: 2, causal: true)
        // Cross-attention: target queries look at the encoded source (keys and values).
        let crossed = Variable.scaledDotProductAttention(query: decoded.output, key: encoded.output,
                                                         value: encoded.output, heads: 2, causal: false)
        // lesson: 08-variants end
        LessonBook.pin("08-variant-shapes", text: "\(encoded.weights.shape) \(decoded.weights.shape) \(crossed.weights.shape)")
        // The encoder's weights are dense, the decoder's lower-triangular, the cross ones dense.
        #expect(encoded.weights[0, 0, 0, 5] > 0)
        #expect(decoded.weights[0, 0, 0, 3] == 0)
        #expect(crossed.output.shape == [1, 4, 8])
    }

    @Test func theLibrarysEncoderDecoder() {
        // lesson: 08-encoder-decoder begin
        let config = EncoderDecoderConfig(sourceVocabularySize: 12, targetVocabularySize: 14, maxLength: 8,
                                          encoderLayers: 1, decoderLayers: 1,
                                          layer: TransformerLayerConfig(dModel: 16, heads: 2, feedForward: 32, dropout: 0))
        let model = EncoderDecoder(config: config, seed: 8)
        let tape = Tape()
        var context = ForwardContext.evaluation
        let output = model(source: [3, 4, 5, 6, 7, 8], sourceLength: 6,            // S = 6 source tokens
                           target: [1, 8, 7, 6], targetLength: 4, batch: 1,          // T = 4: start token, then a prefix
                           tape: tape, context: &context)
        let shapes = (output.logits.shape, output.selfAttention[0].shape, output.crossAttention[0].shape)
        // lesson: 08-encoder-decoder end
        LessonBook.pin("08-encoder-decoder-shapes", text: "\(shapes.0) \(shapes.1) \(shapes.2)")
        LessonBook.pin("08-decoder-layer-names", text: model.decoder.parameters.map(\.name)
            .filter { $0.hasSuffix("weight") }.joined(separator: "\n"))
        #expect(output.selfAttention[0][0, 0, 0, 1] == 0)                            // causal
        #expect(output.crossAttention[0][0, 0, 0, 5] > 0)                            // the whole source
    }

    @Test func greedyTextFromAnUntrainedModel() {
        // lesson: 08-generate begin
        let model = GPT(config: GPTConfig(blockSize: 16, vocabSize: 65, nLayer: 2, nHead: 4, nEmbd: 32), seed: 8)
        let generator = TextGenerator(model: model, options: SamplingOptions(temperature: 0), useCache: true)
        let continuation = generator.generate(prompt: [20, 43, 50, 50, 53], count: 10, seed: 1)   // greedy
        // lesson: 08-generate end
        LessonBook.pin("08-untrained-continuation", continuation)
    }
}

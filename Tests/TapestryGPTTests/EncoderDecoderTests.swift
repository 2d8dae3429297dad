// The encoder–decoder: one decoder layer against PyTorch's nn.TransformerDecoderLayer
// (Fixtures/make_decoder_layer_fixture.py), finite-difference gradients on tiny sizes, what the
// masks allow each position to see, the cross-attention's shape, greedy decoding's consistency
// with the teacher-forced pass, a tiny model that learns to copy, and the attention dump.

import Foundation
import Testing
import Tapestry
import TapestryNN
import TapestryTestSupport
@testable import TapestryGPT

@Suite struct EncoderDecoderTests {
    static let tiny = TransformerLayerConfig(dModel: 8, heads: 2, feedForward: 12, dropout: 0)

    @Test func decoderLayerMatchesPyTorch() throws {
        let fixture = try loadTransformerFixture("decoder_layer_reference").tensors
        var generator = RandomGenerator(seed: 0)
        let layer = TransformerDecoderLayer(name: "layer", config: Self.tiny, generator: &generator)
        loadParameters(layer, from: fixture, stripping: "layer.")
        let tape = Tape()
        let x = tape.variable(try #require(fixture["x"]))                          // [2, 5, 8]
        let memory = tape.variable(try #require(fixture["memory"]))                // [2, 3, 8]
        var context = ForwardContext.evaluation
        let out = layer(x, memory: memory, context: &context)
        #expect(out.crossAttention.shape == [2, 2, 5, 3])                          // [B, nh, T, S]
        expectClose(out.output.value, fixture["output"], "decoder layer output", absolute: 1e-5)
        let loss = (out.output * tape.constant(try #require(fixture["projection"]))).sum()
        tape.backward(loss)
        for parameter in layer.parameters {
            let key = String(parameter.name.dropFirst("layer.".count))
            expectClose(parameter.grad, fixture["grad.\(key)"], "grad \(key)", absolute: 1e-5, relative: 1e-4)
        }
        expectClose(try #require(tape.gradient(of: x)), fixture["grad.x"], "grad x", absolute: 1e-5, relative: 1e-4)
        expectClose(try #require(tape.gradient(of: memory)), fixture["grad.memory"], "grad memory",
                    absolute: 1e-5, relative: 1e-4)
    }

    @Test func decoderLayerGradientsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 21)
        let layer = TransformerDecoderLayer(name: "layer", config: Self.tiny, generator: &generator)
        let x = Tensor.randomNormal([2, 4, 8], using: &generator)
        let memory = Tensor.randomNormal([2, 6, 8], using: &generator)
        let result = gradCheck("TransformerDecoderLayer", inputs: [x, memory]) { _, v in
            var context = ForwardContext.evaluation
            return layer(v[0], memory: v[1], context: &context).output
        }
        #expect(result.passed, "\(result)")

        let projection = Tensor.randomNormal([2, 4, 8], using: &generator)
        func loss(_ tape: Tape) -> Variable {
            var context = ForwardContext.evaluation
            let out = layer(tape.constant(x), memory: tape.constant(memory), context: &context).output
            return (out * tape.constant(projection)).sum()
        }
        layer.zeroGrad()                                     // gradCheck's backward added into them too
        let tape = Tape()
        tape.backward(loss(tape))
        let failure = checkParameterGradients(layer.parameters) {
            let t = Tape()
            return Double(t.withoutGrad { loss(t) }.value.item)
        }
        #expect(failure == nil, "\(failure ?? "")")
    }

    static func model(seed: UInt64 = 31) -> EncoderDecoder {
        EncoderDecoder(config: EncoderDecoderConfig(sourceVocabularySize: 7, targetVocabularySize: 9, maxLength: 8,
                                                    encoderLayers: 2, decoderLayers: 2, layer: tiny), seed: seed)
    }

    @Test func parameterNamesFollowPyTorch() {
        let names = Dictionary(uniqueKeysWithValues: Self.model().parameters.map { ($0.name, $0.value.shape) })
        #expect(names["encoder.layers.1.self_attn.in_proj_weight"] == [24, 8])
        #expect(names["decoder.layers.0.self_attn.in_proj_weight"] == [24, 8])
        #expect(names["decoder.layers.1.multihead_attn.in_proj_weight"] == [24, 8])
        #expect(names["decoder.layers.1.multihead_attn.out_proj.weight"] == [8, 8])
        #expect(names["decoder.layers.0.norm3.bias"] == [8])
        #expect(names["source_embedding.weight"] == [7, 8])
        #expect(names["target_positions.weight"] == [8, 8])
        #expect(names["head.weight"] == [9, 8])
        #expect(names.count == 4 + 2 * 12 + 2 * 18 + 2)
    }

    @Test func crossAttentionIsRectangularAndUnmasked() {
        let model = Self.model()
        let tape = Tape()
        var context = ForwardContext.evaluation
        let out = model(source: [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], sourceLength: 6, target: [0, 3, 4, 0, 5, 6],
                        targetLength: 3, batch: 2, tape: tape, context: &context)
        #expect(out.logits.shape == [2, 3, 9])
        #expect(out.crossAttention.count == 2 && out.selfAttention.count == 2)
        for weights in out.crossAttention {
            #expect(weights.shape == [2, 2, 3, 6])                                  // [B, nh, T, S]
            #expect(weights[0, 0, 0, 5] > 0)                                        // first target position sees the last source one
            for row in 0..<(2 * 2 * 3) {
                let sum = (0..<6).reduce(Float(0)) { $0 + weights[flat: row * 6 + $1] }
                #expect(abs(sum - 1) < 1e-5)
            }
        }
        for weights in out.selfAttention {
            #expect(weights.shape == [2, 2, 3, 3])
            #expect(weights[0, 0, 0, 1] == 0 && weights[1, 1, 1, 2] == 0)          // causal: no peeking ahead
        }
    }

    @Test func eachTargetPositionSeesTheWholeSourceButNoLaterTarget() {
        let model = Self.model()
        func logits(source: [Int], target: [Int]) -> Tensor {
            let tape = Tape()
            var context = ForwardContext.evaluation
            return model(source: source, sourceLength: source.count, target: target, targetLength: target.count,
                         batch: 1, tape: tape, context: &context).logits.value      // [1, T, 9]
        }
        func row(_ t: Tensor, _ i: Int) -> [Float] { (0..<9).map { t[0, i, $0] } }
        let base = logits(source: [1, 2, 3, 4], target: [0, 5, 6, 7])
        let laterTarget = logits(source: [1, 2, 3, 4], target: [0, 5, 8, 7])       // change position 2
        #expect(row(base, 0) == row(laterTarget, 0) && row(base, 1) == row(laterTarget, 1))
        #expect(row(base, 2) != row(laterTarget, 2))
        let lastSource = logits(source: [1, 2, 3, 6], target: [0, 5, 6, 7])        // change the last source token
        #expect(row(base, 0) != row(lastSource, 0))
    }

    @Test func greedyDecodingAgreesWithTheTeacherForcedPass() {
        // Feeding the decoded tokens back in one pass, each position's argmax is the next one.
        let model = Self.model(seed: 32)
        let sources = [[1, 2, 3, 4, 5], [6, 5, 4, 3, 2], [1, 1, 2, 2, 3]]
        let decoded = model.greedyDecode(sources, start: 0, end: 1, maxLength: 6)
        #expect(decoded.count == 3)
        for (source, output) in zip(sources, decoded) {
            #expect(!output.contains(1) && output.count <= 6)
            #expect(model.greedyDecode([source], start: 0, end: 1, maxLength: 6)[0] == output)   // batch-independent
            let expected = output.count < 6 ? output + [1] : output
            let prefix = [0] + expected.dropLast()
            let tape = Tape()
            var context = ForwardContext.evaluation
            let logits = model(source: source, sourceLength: 5, target: prefix, targetLength: prefix.count, batch: 1,
                               tape: tape, context: &context).logits.value
            let argmaxes = (0..<prefix.count).map { i in Sampling.argmax((0..<9).map { logits[0, i, $0] }) }
            #expect(argmaxes == expected)
        }
    }

    @Test func aTinyModelLearnsToCopyAndDecodesGreedily() {
        // Copy 3 tokens from {2, ..., 6}; target vocabulary adds <s> = 0 and </s> = 1.
        let model = EncoderDecoder(config: EncoderDecoderConfig(
            sourceVocabularySize: 7, targetVocabularySize: 7, maxLength: 4, encoderLayers: 1, decoderLayers: 1,
            layer: TransformerLayerConfig(dModel: 16, heads: 2, feedForward: 32, dropout: 0)), seed: 33)
        let optimizer = AdamW(parameters: model.parameters, learningRate: 1e-2, weightDecay: 0)
        var generator = RandomGenerator(seed: 34)
        let tape = Tape()
        for _ in 0..<150 {
            let sources = (0..<16).map { _ in (0..<3).map { _ in 2 + generator.nextInt(below: 5) } }
            var context = ForwardContext.evaluation
            let loss = model(source: sources.flatMap { $0 }, sourceLength: 3,
                             target: sources.flatMap { [0] + $0 }, targetLength: 4, batch: 16,
                             targets: sources.flatMap { $0 + [1] }, tape: tape, context: &context).loss!
            tape.backward(loss)
            tape.reset()
            optimizer.step()
            optimizer.zeroGrad()
        }
        let all = (0..<125).map { [2 + $0 / 25, 2 + $0 / 5 % 5, 2 + $0 % 5] }       // every source there is
        let decoded = model.greedyDecode(all, start: 0, end: 1)
        let correct = zip(all, decoded).filter { $0 == $1 }.count
        print("copy task: \(correct)/125 exact")
        #expect(correct >= 120)
    }

    @Test func crossAttentionDumpReadsBackInTheViewersFormat() throws {
        let model = Self.model(seed: 35)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cross-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let labels = ["<s>", "</s>", "a", "b", "c", "d", "e", "f", "g"]
        let produced = try AttentionDump.writeCrossAttention(model: model, source: [2, 3, 4, 5], start: 0, end: 1,
                                                             label: { labels[$0] }, iteration: 7, to: path)
        let dump = try AttentionDump.read(path: path)
        #expect(dump.layers.count == 2)
        for layer in dump.layers { #expect(layer.shape == [2, produced.count, 4]) }   // [nh, Tq, S]
        #expect(dump.tokens == produced.map { labels[$0] })
        let source = try JSONDecoder().decode([String].self, from: Data(dump.metadata["source_tokens"]!.utf8))
        #expect(source == ["a", "b", "c", "d"])
        #expect(dump.metadata["key_tokens"] == dump.metadata["source_tokens"])
        #expect(dump.metadata["query_tokens"] == dump.metadata["tokens"])
        #expect(dump.metadata["iteration"] == "7")
        let config = try JSONDecoder().decode(EncoderDecoderConfig.self, from: Data(dump.metadata["config"]!.utf8))
        #expect(config == model.config)
    }
}

// Positional schemes in the GPT: learned, sinusoidal, RoPE, ALiBi. Each piece against its
// formula or finite differences, then each scheme through the whole model: KV cache,
// checkpoint, a few training steps, and evaluation past block_size.

import Foundation
import Testing
import Tapestry
import TapestryTestSupport
@testable import TapestryGPT

@Suite struct PositionalSchemeTests {
    // MARK: Sinusoidal

    @Test func sinusoidalTableFollowsTheFormula() {
        let table = SinusoidalPositions.table(positions: 0..<10, channels: 8)
        #expect(table.shape == [10, 8])
        for i in 0..<4 {                                                   // p = 0: sin 0 = 0, cos 0 = 1
            #expect(table[0, 2 * i] == 0 && table[0, 2 * i + 1] == 1)
        }
        // p = 7, i = 1: angle 7 / 10000^(2/8) = 0.7
        #expect(abs(table[7, 2] - Float(sin(0.7))) < 1e-6)
        #expect(abs(table[7, 3] - Float(cos(0.7))) < 1e-6)
        // A later range gives the same rows (the KV cache relies on it).
        let later = SinusoidalPositions.table(positions: 7..<9, channels: 8)
        for c in 0..<8 { #expect(later[0, c] == table[7, c]) }
        // The GPT adds it scaled by 1/√C (nanoGPT's token embeddings are small).
        let added = SinusoidalPositions.embedding(positions: 0..<10, channels: 8)
        for p in 0..<10 { for c in 0..<8 { #expect(abs(added[p, c] - table[p, c] / Float(8).squareRoot()) < 1e-7) } }
    }

    // MARK: RoPE

    @Test func rotaryRotatesEachPairByPositionTimesTheta() {
        // hs = 4: θ₀ = 1, θ₁ = 10000^(−1/2) = 0.01. Position 2 rotates pair 0 by 2 rad, pair 1 by 0.02 rad.
        let tape = Tape()
        let x = tape.constant(Tensor([[[1, 0, 0, 1]]]))                    // [1, 1, 4]
        let y = x.rotated(by: RotaryTable(positions: 2..<3, headSize: 4), heads: 1).value
        let expected: [Float] = [Float(cos(2.0)), Float(sin(2.0)), -Float(sin(0.02)), Float(cos(0.02))]
        for (a, b) in zip(y.scalars, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test func rotaryScoresDependOnlyOnTheOffset() {
        // (R_m q)·(R_n k) = q·R_(n−m) k: shifting both positions by s leaves every score unchanged.
        var generator = RandomGenerator(seed: 3)
        let q = Tensor.randomNormal([1, 1, 16], using: &generator), k = Tensor.randomNormal([1, 1, 16], using: &generator)
        func score(query m: Int, key n: Int) -> Float {
            let tape = Tape()
            let rq = tape.constant(q).rotated(by: RotaryTable(positions: m..<(m + 1), headSize: 16), heads: 1).value
            let rk = tape.constant(k).rotated(by: RotaryTable(positions: n..<(n + 1), headSize: 16), heads: 1).value
            return zip(rq.scalars, rk.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let reference = score(query: 5, key: 2)
        for shift in [1, 17, 40, 100] {
            #expect(abs(score(query: 5 + shift, key: 2 + shift) - reference) < 1e-4, "shift \(shift)")
        }
        #expect(abs(score(query: 5, key: 3) - reference) > 1e-3)           // another offset: another score
    }

    @Test func rotaryGradientMatchesFiniteDifferences() {
        var generator = RandomGenerator(seed: 1)
        let x = Tensor.randomNormal([2, 3, 8], using: &generator)        // 2 heads of 4
        let table = RotaryTable(positions: 5..<8, headSize: 4)
        let result = gradCheck("rotary", inputs: [x]) { _, v in v[0].rotated(by: table, heads: 2) }
        #expect(result.passed, "\(result)")
    }

    // MARK: ALiBi

    @Test func alibiSlopesFollowThePaper() {
        #expect(ALiBi.slopes(heads: 4) == [0.25, 0.0625, 0.015625, 0.00390625])
        #expect(ALiBi.slopes(heads: 8) == (1...8).map { Float(pow(2.0, -Double($0))) })
        // 6 heads: the 4-head slopes, then every other slope of 8 heads (2^-1, 2^-3).
        #expect(ALiBi.slopes(heads: 6) == [0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125])
    }

    @Test func alibiAddsMinusSlopeTimesDistanceToTheScores() {
        // q = 0 makes every q·k score 0, so the weights are softmax over j ≤ i of −m·(i − j).
        let slopes: [Float] = [0.5, 2]
        let tape = Tape()
        let q = tape.constant(Tensor(zeros: [1, 3, 4]))
        var generator = RandomGenerator(seed: 2)
        let k = tape.constant(Tensor.randomNormal([1, 3, 4], using: &generator))
        let (_, weights) = Variable.scaledDotProductAttention(query: q, key: k, value: k, heads: 2, causal: true,
                                                              alibiSlopes: slopes)
        for (h, m) in slopes.enumerated() {
            // Row i = 2 sees distances 2, 1, 0.
            let e = [exp(-2 * m), exp(-m), 1]
            let total = e.reduce(0, +)
            for j in 0..<3 { #expect(abs(weights[0, h, 2, j] - e[j] / total) < 1e-6) }
            #expect(weights[0, h, 0, 1] == 0)                             // still causal
        }
        // One query against 3 cached keys sits at position 2: the same row as above.
        let last = tape.constant(Tensor(zeros: [1, 1, 4]))
        let (_, step) = Variable.scaledDotProductAttention(query: last, key: k, value: k, heads: 2, causal: true,
                                                           alibiSlopes: slopes)
        for h in 0..<2 { for j in 0..<3 { #expect(step[0, h, 0, j] == weights[0, h, 2, j]) } }
    }

    @Test(arguments: [(5, 5), (2, 5)])
    func alibiAttentionGradientMatchesFiniteDifferences(queries: Int, keys: Int) {
        var generator = RandomGenerator(seed: 7)
        let q = Tensor.randomNormal([2, queries, 8], using: &generator)
        let k = Tensor.randomNormal([2, keys, 8], using: &generator)
        let v = Tensor.randomNormal([2, keys, 8], using: &generator)
        let result = gradCheck("alibi attention", inputs: [q, k, v]) { _, x in
            Variable.scaledDotProductAttention(query: x[0], key: x[1], value: x[2], heads: 2, causal: true,
                                               alibiSlopes: [0.5, 0.125]).output
        }
        #expect(result.passed, "\(result)")
    }

    // MARK: The schemes in the model

    /// A tiny model whose weights are scaled up from nanoGPT's N(0, 0.02), so that attention
    /// is far from uniform and positions visibly matter.
    static func model(_ scheme: PositionalScheme, seed: UInt64 = 4) -> GPT {
        let model = GPT(config: GPTConfig(blockSize: 16, vocabSize: 20, nLayer: 2, nHead: 2, nEmbd: 32,
                                          positionalEncoding: scheme), seed: seed)
        for p in model.parameters where p.value.rank == 2 {
            p.load(Tensor(shape: p.value.shape, scalars: p.value.scalars.map { $0 * 10 }))
        }
        return model
    }

    @Test(arguments: PositionalScheme.allCases)
    func onlyLearnedHasAPositionTable(scheme: PositionalScheme) {
        let names = Self.model(scheme).parameters.map(\.name)
        #expect(names.contains("transformer.wpe.weight") == (scheme == .learned))
        #expect(names.count == (scheme == .learned ? 2 : 1) + 12 * 2 + 2)
    }

    @Test(arguments: PositionalScheme.allCases)
    func kvCacheGivesIdenticalTokens(scheme: PositionalScheme) {
        // 40 new tokens with block_size 16: the window fills and slides, exercising the rebuild.
        let model = Self.model(scheme)
        let options = SamplingOptions(temperature: 1, topK: nil)
        let cached = TextGenerator(model: model, options: options, useCache: true).generate(prompt: [1, 2, 3], count: 40, seed: 11)
        let uncached = TextGenerator(model: model, options: options, useCache: false).generate(prompt: [1, 2, 3], count: 40, seed: 11)
        #expect(cached == uncached)
    }

    @Test(arguments: PositionalScheme.allCases)
    func orderMatters(scheme: PositionalScheme) {
        // Without positions, causal attention is blind to order: the last token's logits after
        // [3, 5, 9, 7] and [5, 9, 3, 7] would be equal (the same set of keys and values).
        let model = Self.model(scheme)
        func lastLogits(_ ids: [Int]) -> [Float] {
            let tape = Tape()
            var context = ForwardContext.evaluation
            let logits = model(ids, batch: 1, time: 4, tape: tape, context: &context).logits.value   // [1, 4, 20]
            return (0..<20).map { logits[0, 3, $0] }
        }
        let a = lastLogits([3, 5, 9, 7]), b = lastLogits([5, 9, 3, 7])
        #expect(zip(a, b).map { abs($0 - $1) }.max()! > 1e-4)
    }

    @Test(arguments: PositionalScheme.allCases)
    func checkpointRoundTripKeepsTheScheme(scheme: PositionalScheme) throws {
        let config = tinyTrainConfig()
        let data = try TrainingData.load(config)
        var modelConfig = config.model
        modelConfig.vocabSize = data.tokenizer.vocabularySize
        modelConfig.positionalEncoding = scheme
        let model = GPT(config: modelConfig, seed: 9)
        let path = config.out + "/model.safetensors"
        try ModelCheckpoint.save(model, tokenizer: data.tokenizer, iteration: 0, valLoss: nil, to: path)
        let loaded = try ModelCheckpoint.load(path: path)
        #expect(loaded.model.config.positionalEncoding == scheme)
        #expect(loaded.metadata["config"]!.contains("\"pos\":\"\(scheme.rawValue)\""))
        #expect(loaded.metadata["pos"] == scheme.rawValue)
        let ids = Array(data.val.prefix(16))
        func logits(_ m: GPT) -> Tensor {
            let tape = Tape()
            var context = ForwardContext.evaluation
            return m(ids, batch: 1, time: 16, tape: tape, context: &context).logits.value
        }
        #expect(logits(loaded.model) == logits(model))
    }

    @Test func configsWithoutTheVariantKeysLoadAsNanoGPT() throws {
        let old = #"{"block_size":64,"dropout":0,"n_embd":128,"n_head":4,"n_layer":4,"vocab_size":65}"#
        let config = try JSONDecoder().decode(GPTConfig.self, from: Data(old.utf8))
        #expect(config == GPTConfig(blockSize: 64, vocabSize: 65, nLayer: 4, nHead: 4, nEmbd: 128))
        #expect(config.positionalEncoding == .learned && config.moeExperts == 0)
    }

    @Test(arguments: PositionalScheme.allCases)
    func aFewTrainingStepsLowerTheLoss(scheme: PositionalScheme) throws {
        var config = tinyTrainConfig()
        config.model.positionalEncoding = scheme
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        let losses = try (0..<6).map { _ in try trainer.step().loss }
        #expect(losses.last! < losses.first!, "\(scheme): \(losses)")
    }

    @Test func evaluationPastBlockSizeWorksExceptForLearned() throws {
        var config = tinyTrainConfig(maxIters: 0)
        config.model.positionalEncoding = .alibi
        _ = try withThreadCount(1) { try runTraining(config) { _ in } }
        var evaluate = EvaluateConfig()
        evaluate.checkpoint = config.out + "/model.safetensors"
        evaluate.blockSize = 32                                           // twice the trained 16
        evaluate.maxWindows = 8
        let result = try withThreadCount(1) { try runEvaluation(evaluate) { _ in } }
        #expect(result.windows == 8 && result.blockSize == 32 && result.loss.isFinite)

        var learned = tinyTrainConfig(maxIters: 0)
        learned.model.positionalEncoding = .learned
        _ = try withThreadCount(1) { try runTraining(learned) { _ in } }
        evaluate.checkpoint = learned.out + "/model.safetensors"
        #expect { _ = try withThreadCount(1) { try runEvaluation(evaluate) { _ in } } } throws: { "\($0)".contains("learned positions") }
    }

    @Test func stridedLossRunsPastBlockSize() {
        // Windows of 32 tokens on a model trained with block_size 16: the mean of the two
        // windows' own losses.
        let model = Self.model(.rope)
        var generator = RandomGenerator(seed: 5)
        let tokens = (0..<70).map { _ in generator.nextInt(below: 20) }
        func windowLoss(_ start: Int) -> Double {
            let tape = Tape()
            var context = ForwardContext.evaluation
            return Double(model(Array(tokens[start..<(start + 32)]), batch: 1, time: 32,
                                targets: Array(tokens[(start + 1)..<(start + 33)]), tape: tape, context: &context).loss!.value.item)
        }
        let strided = model.stridedLoss(on: tokens, windows: 2, batchSize: 2, time: 32)
        #expect(abs(strided - (windowLoss(0) + windowLoss(32)) / 2) < 1e-5)
    }

    @Test func posFlagAcceptsTheFourSchemes() throws {
        for scheme in PositionalScheme.allCases {
            #expect(try TrainConfig.parse(["--pos", scheme.rawValue])?.model.positionalEncoding == scheme)
        }
        #expect { _ = try TrainConfig.parse(["--pos", "absolute"]) } throws: {
            "\($0)" == "--pos: expected one of learned|sinusoidal|rope|alibi, got 'absolute'"
        }
        #expect { _ = try TrainConfig.parse(["--pos", "rope", "--n-embd", "24", "--n-head", "8"]) } throws: {
            "\($0)".contains("head size 3") && "\($0)".contains("must be even")
        }
    }
}

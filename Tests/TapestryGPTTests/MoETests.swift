// Mixture-of-experts feed-forward: the routing ops against hand-computed values and finite
// differences, the whole layer's gradient (input, router, every expert), the load-balancing
// loss, and the layer inside a GPT (names, counts, KV cache, checkpoint, training log).

import Foundation
import Testing
import Tapestry
import TapestryTestSupport
@testable import TapestryGPT

@Suite struct MoETests {
    // MARK: The routing ops

    @Test func topKPicksTheLargestAndBreaksTiesTowardTheLowerIndex() {
        let tape = Tape()
        let p = tape.constant(Tensor([[0.1, 0.4, 0.4, 0.1], [0.25, 0.25, 0.25, 0.25], [0.5, 0.1, 0.3, 0.1]]))
        let (top1, one) = p.topKGates(k: 1)
        #expect(one.tokens == [[1, 2], [0], [], []])                       // ties: 0.4 = 0.4 → expert 1; uniform → 0
        #expect(top1.value.scalars == [0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
        let (top2, two) = p.topKGates(k: 2)
        #expect(two.tokens == [[1, 2], [0, 1], [0, 2], []])
        // Renormalized: 0.5 / (0.5 + 0.3) = 0.625 and 0.3 / 0.8 = 0.375.
        #expect(top2.value.scalars == [0, 0.5, 0.5, 0, 0.5, 0.5, 0, 0, 0.625, 0, 0.375, 0])
        #expect(two.utilization == [Float(2) / 6, Float(2) / 6, Float(2) / 6, 0])
    }

    @Test func topKGatesGradientMatchesFiniteDifferences() {
        // Distinct probabilities, far apart compared with the finite-difference step.
        let p = Tensor([[0.10, 0.45, 0.30, 0.15], [0.40, 0.05, 0.20, 0.35], [0.22, 0.28, 0.12, 0.38]])
        for k in 1...3 {
            let result = gradCheck("topKGates k=\(k)", inputs: [p]) { _, v in v[0].topKGates(k: k).gates }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func gatherRowsAndCombineGradientsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 4)
        let x = Tensor.randomNormal([5, 3], using: &generator)
        let gathered = gradCheck("gatherRows", inputs: [x]) { _, v in v[0].gatherRows([4, 0, 4, 2]) }
        #expect(gathered.passed, "\(gathered)")

        // 4 tokens, 3 experts: expert 0 gets tokens 0, 2; expert 1 none; expert 2 gets 0, 1, 3.
        let assignment = ExpertAssignment(experts: 3, topK: 2, tokens: [[0, 2], [], [0, 1, 3]])
        let y0 = Tensor.randomNormal([2, 3], using: &generator), y2 = Tensor.randomNormal([3, 3], using: &generator)
        let gates = Tensor.randomUniform([4, 3], low: 0.1, high: 1, using: &generator)
        let combined = gradCheck("combineExperts", inputs: [y0, y2, gates]) { _, v in
            Variable.combineExperts([v[0], nil, v[1]], assignment: assignment, gates: v[2])
        }
        #expect(combined.passed, "\(combined)")
    }

    // MARK: The whole layer

    /// x [6, 8], router [4, 8], and 4 experts 8 → 8 → 8 as (c_fc.weight, c_fc.bias, c_proj.weight, c_proj.bias),
    /// drawn from the first seed whose routing is away from ties: for every token, the K-th and
    /// (K+1)-th router probabilities (K = 1 and 2) differ by more than 0.02, far more than a
    /// finite-difference step can move them, so the selection is constant around the point.
    static func layerInputs() -> [Tensor] {
        for seed in UInt64(21)... {
            var generator = RandomGenerator(seed: seed)
            var inputs = [Tensor.randomNormal([6, 8], using: &generator), Tensor.randomNormal([4, 8], using: &generator)]
            for _ in 0..<4 {
                inputs += [Tensor.randomNormal([8, 8], std: 0.5, using: &generator), Tensor.randomNormal([8], std: 0.1, using: &generator),
                           Tensor.randomNormal([8, 8], std: 0.5, using: &generator), Tensor.randomNormal([8], std: 0.1, using: &generator)]
            }
            if routingMargin(inputs) > 0.02 { return inputs }
        }
        fatalError("unreachable")
    }

    /// The smallest gap between the K-th and (K+1)-th router probability, over tokens and K = 1, 2.
    static func routingMargin(_ inputs: [Tensor]) -> Float {
        let tape = Tape()
        let p = tape.constant(inputs[0]).linear(weight: tape.constant(inputs[1]), bias: nil).softmax().value   // [6, 4]
        var margin = Float.infinity
        for n in 0..<6 {
            let sorted = (0..<4).map { p[n, $0] }.sorted(by: >)
            margin = min(margin, sorted[0] - sorted[1], sorted[1] - sorted[2])
        }
        return margin
    }

    static func layer(_ v: [Variable], topK: Int) -> MixtureOfExperts.Routed {
        MixtureOfExperts.mix(v[0], routerWeight: v[1], topK: topK) { e, tokens in
            let w = 2 + 4 * e
            return tokens.linear(weight: v[w], bias: v[w + 1]).gelu().linear(weight: v[w + 2], bias: v[w + 3])
        }
    }

    @Test(arguments: [1, 2])
    func layerGradientMatchesFiniteDifferences(topK: Int) {
        let inputs = Self.layerInputs()
        #expect(Self.routingMargin(inputs) > 0.02)
        let output = gradCheck("mixture of experts (top-\(topK))", inputs: inputs) { _, v in Self.layer(v, topK: topK).output }
        #expect(output.passed, "\(output)")
        let auxiliary = gradCheck("load-balancing loss", inputs: Array(inputs[0...1])) { _, v in
            MixtureOfExperts.mix(v[0], routerWeight: v[1], topK: topK) { _, tokens in tokens }.auxiliaryLoss
        }
        #expect(auxiliary.passed, "\(auxiliary)")
    }

    @Test func theRouterLearnsFromTheLossThroughTheGates() {
        // Top-2: the renormalized gates depend on the router, so the loss alone (no aux) moves it.
        let tape = Tape()
        let v = Self.layerInputs().map { tape.variable($0) }
        tape.backward(Self.layer(v, topK: 2).output.sum())
        let routerGradient = tape.gradient(of: v[1])!.scalars
        #expect(routerGradient.contains { abs($0) > 1e-4 })
    }

    @Test func loadBalancingLossIsOneWhenBalancedAndGrowsWhenNot() {
        // x = I (4 tokens, C = 4), so logits[n, e] = W[e, n].
        let identity = Tensor(shape: [4, 4], scalars: (0..<16).map { $0 % 5 == 0 ? 1 : 0 })
        func auxiliary(_ w: [Float]) -> Float {
            let tape = Tape()
            return MixtureOfExperts.mix(tape.constant(identity), routerWeight: tape.constant(Tensor(shape: [4, 4], scalars: w)),
                                        topK: 1) { _, tokens in tokens }.auxiliaryLoss.value.item
        }
        // W = 2I: token n goes to expert n, f = P = 1/4 for every expert: 4 · 4 · (1/4 · 1/4) = 1.
        #expect(abs(auxiliary((0..<16).map { $0 % 5 == 0 ? 2 : 0 }) - 1) < 1e-6)
        // Row 0 of W = 2: every token picks expert 0, f = [1, 0, 0, 0], P₀ = e²/(e² + 3): loss 4·P₀.
        let p0 = Float(exp(2.0) / (exp(2.0) + 3))
        #expect(abs(auxiliary((0..<16).map { $0 < 4 ? 2 : 0 }) - 4 * p0) < 1e-5)
    }

    // MARK: Inside a GPT

    static let config = GPTConfig(blockSize: 16, vocabSize: 20, nLayer: 2, nHead: 2, nEmbd: 32, moeExperts: 4, moeTopK: 2)

    @Test func namesShapesAndCounts() {
        let model = GPT(config: Self.config, seed: 1)
        let shapes = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value.shape) })
        #expect(shapes["transformer.h.0.mlp.router.weight"] == [4, 32])
        #expect(shapes["transformer.h.1.mlp.experts.3.c_fc.weight"] == [64, 32])   // 4C/K = 64
        #expect(shapes["transformer.h.1.mlp.experts.3.c_proj.weight"] == [32, 64])
        #expect(shapes["transformer.h.0.mlp.c_fc.weight"] == nil)
        let c = 32, hidden = 64
        let expert = (hidden * c + hidden) + (c * hidden + c)
        let dense = GPT(config: GPTConfig(blockSize: 16, vocabSize: 20, nLayer: 2, nHead: 2, nEmbd: 32), seed: 1)
        let denseMLP = (4 * c * c + 4 * c) + (4 * c * c + c)
        #expect(model.parameterCount == dense.parameterCount + 2 * (4 * c + 4 * expert - denseMLP))
        // Active: the router and 2 experts of width 2C, which have the dense MLP's weights but one more bias c.
        #expect(model.activeParameterCount == dense.parameterCount + 2 * (4 * c + c))
        #expect(dense.activeParameterCount == dense.parameterCount)
    }

    @Test func forwardReportsUtilizationAndAuxiliaryLoss() {
        let model = GPT(config: Self.config, seed: 2)
        let tape = Tape()
        var context = ForwardContext.evaluation
        let output = model(Array(0..<16), batch: 1, time: 16, tape: tape, context: &context)
        #expect(output.expertUtilization.count == 2)
        for layer in output.expertUtilization { #expect(abs(layer.reduce(0, +) - 1) < 1e-6) }
        #expect(output.auxiliaryLoss?.shape == [])
        var denseConfig = Self.config
        denseConfig.moeExperts = 0
        let dense = GPT(config: denseConfig, seed: 2)(Array(0..<16), batch: 1, time: 16, tape: tape, context: &context)
        #expect(dense.auxiliaryLoss == nil && dense.expertUtilization.isEmpty)
    }

    @Test func kvCacheGivesIdenticalTokens() {
        let model = GPT(config: Self.config, seed: 4)
        for p in model.parameters where p.value.rank == 2 {              // sharper routing than N(0, 0.02)
            p.load(Tensor(shape: p.value.shape, scalars: p.value.scalars.map { $0 * 10 }))
        }
        let options = SamplingOptions(temperature: 1, topK: nil)
        let cached = TextGenerator(model: model, options: options, useCache: true).generate(prompt: [1, 2, 3], count: 40, seed: 11)
        let uncached = TextGenerator(model: model, options: options, useCache: false).generate(prompt: [1, 2, 3], count: 40, seed: 11)
        #expect(cached == uncached)
    }

    @Test func trainingLowersTheLossLogsUtilizationAndCheckpoints() throws {
        var config = tinyTrainConfig(maxIters: 8)
        config.model.moeExperts = 4
        config.model.moeTopK = 2
        config.model.positionalEncoding = .rope
        var lines: [String] = []
        let summary = try withThreadCount(1) { try runTraining(config) { lines.append($0) } }
        #expect(lines.contains { $0.hasPrefix("mixture of experts: 4 experts of width 64, top-2; active parameters per token: ") })
        let utilization = try #require(lines.first { $0.hasPrefix("  expert utilization (aux loss ") })
        #expect(utilization.contains("layer 0: ") && utilization.contains(" | layer 1: "))
        let first = try #require(lines.first { $0.hasPrefix("iter 1: loss ") })
        #expect(Float(first.split(separator: " ")[3].dropLast())! > summary.finalTrainLoss)
        let loaded = try ModelCheckpoint.load(path: config.out + "/model.safetensors")
        #expect(loaded.model.config.moeExperts == 4 && loaded.model.config.positionalEncoding == .rope)
        #expect(loaded.metadata["config"]!.contains("\"moe_experts\":4"))
        #expect(loaded.metadata["moe_experts"] == "4" && loaded.metadata["moe_top_k"] == "2")
    }

    @Test func moeFlagsAndTheirMistakes() throws {
        let config = try #require(try TrainConfig.parse(["--moe-experts", "8", "--moe-top-k", "2", "--moe-aux-weight", "0.1"]))
        #expect(config.model.moeExperts == 8 && config.model.moeTopK == 2 && config.moeAuxWeight == 0.1)
        #expect { _ = try TrainConfig.parse(["--moe-experts", "2", "--moe-top-k", "3"]) } throws: {
            "\($0)" == "moe_top_k must be in 1...moe_experts (2), got 3"
        }
    }
}

// The seed's MiniTransformer against PyTorch (Fixtures/make_mini_transformer_fixture.py): the
// output, the loss and every gradient, in eval mode, with the max differences printed. Plus
// finite-difference checks of the encoder layer on tiny sizes, and the properties that make it
// an encoder: bidirectional attention, and (without positions) indifference to order.

import Testing
import Tapestry
import TapestryNN
import TapestryTestSupport
@testable import TapestryGPT

@Suite struct MiniTransformerTests {
    @Test func outputLossAndEveryGradientMatchPyTorch() throws {
        let fixture = try loadTransformerFixture("mini_transformer_reference").tensors
        let model = MiniTransformer(seed: 0)                     // the seed's sizes: 2 × (128, 8, 256)
        #expect(Set(model.parameters.map(\.name)) == Set(fixture.keys.filter {
            !$0.hasPrefix("grad.") && !["input", "output", "loss"].contains($0)
        }))
        loadParameters(model, from: fixture)

        let tape = Tape()
        let input = tape.variable(try #require(fixture["input"]))                  // [16, 10, 128]
        var context = ForwardContext.evaluation                                    // PyTorch's model.eval()
        let output = model(input, context: &context)                               // [16, 1]
        #expect(output.shape == [16, 1])
        let loss = output.squared().mean()                                         // mean(output²)
        // Tolerances: float32 on both sides, summed in different orders (measured: output 3.0e-7,
        // gradients ≤ 1.4e-6 of their largest entry). Outputs are O(1), so 1e-5 is ~100 ulps;
        // gradients are compared relative to their largest entry.
        expectClose(output.value, fixture["output"], "output", absolute: 1e-5)
        expectClose(loss.value, fixture["loss"], "loss", absolute: 1e-5)
        tape.backward(loss)
        for parameter in model.parameters {
            expectClose(parameter.grad, fixture["grad.\(parameter.name)"], "grad \(parameter.name)",
                        absolute: 1e-7, relative: 1e-4)
        }
        expectClose(try #require(tape.gradient(of: input)), fixture["grad.input"], "grad input",
                    absolute: 1e-7, relative: 1e-4)
    }

    /// d 8, 2 heads, F 12: small enough for finite differences of every parameter in Float32.
    static let tiny = TransformerLayerConfig(dModel: 8, heads: 2, feedForward: 12, dropout: 0)

    @Test func encoderLayerInputGradientMatchesFiniteDifferences() {
        var generator = RandomGenerator(seed: 11)
        let layer = TransformerEncoderLayer(name: "layer", config: Self.tiny, generator: &generator)
        let x = Tensor.randomNormal([2, 5, 8], using: &generator)
        let result = gradCheck("TransformerEncoderLayer", inputs: [x]) { _, v in
            var context = ForwardContext.evaluation
            return layer(v[0], context: &context).0
        }
        #expect(result.passed, "\(result)")
    }

    @Test func miniTransformerParameterGradientsMatchFiniteDifferences() {
        let model = MiniTransformer(config: MiniTransformerConfig(layer: Self.tiny, layers: 2), seed: 12)
        var generator = RandomGenerator(seed: 13)
        let x = Tensor.randomNormal([3, 4, 8], using: &generator)
        let projection = Tensor.randomNormal([3, 1], using: &generator)
        func loss(_ tape: Tape) -> Variable {                     // Σ output · projection
            var context = ForwardContext.evaluation
            return (model(tape.constant(x), context: &context) * tape.constant(projection)).sum()
        }
        let tape = Tape()
        tape.backward(loss(tape))
        let failure = checkParameterGradients(model.parameters) {
            let t = Tape()
            return Double(t.withoutGrad { loss(t) }.value.item)
        }
        #expect(failure == nil, "\(failure ?? "")")
    }

    @Test func attentionIsBidirectional() {
        // Every position attends to later positions as well: no causal mask.
        var generator = RandomGenerator(seed: 14)
        let layer = TransformerEncoderLayer(name: "layer", config: Self.tiny, generator: &generator)
        let tape = Tape()
        var context = ForwardContext.evaluation
        let (_, weights) = layer(tape.constant(Tensor.randomNormal([1, 6, 8], using: &generator)), context: &context)
        #expect(weights.shape == [1, 2, 6, 6])
        #expect(weights[flat: 0 * 6 + 5] > 0)                    // head 0: query 0 looks at key 5
        for row in 0..<(2 * 6) {                                  // rows are probability distributions
            let sum = (0..<6).reduce(Float(0)) { $0 + weights[flat: row * 6 + $1] }
            #expect(abs(sum - 1) < 1e-5)
        }
    }

    @Test func withoutPositionsTheOutputIgnoresOrder() {
        // Self-attention and the feed-forward are permutation-equivariant and the mean is
        // invariant: shuffling the positions of the input leaves the output unchanged.
        let model = MiniTransformer(config: MiniTransformerConfig(layer: Self.tiny), seed: 15)
        var generator = RandomGenerator(seed: 16)
        let x = Tensor.randomNormal([2, 5, 8], using: &generator)
        var shuffled = x
        let order = [3, 0, 4, 1, 2]
        for b in 0..<2 { for t in 0..<5 { for c in 0..<8 { shuffled[b, t, c] = x[b, order[t], c] } } }
        let tape = Tape()
        var context = ForwardContext.evaluation
        let a = model(tape.constant(x), context: &context).value
        let b = model(tape.constant(shuffled), context: &context).value
        #expect(maxAbsDifference(a, b) < 1e-5)
    }

    @Test func dropoutActsOnlyInTraining() {
        let model = MiniTransformer(config: MiniTransformerConfig(layer: TransformerLayerConfig(
            dModel: 8, heads: 2, feedForward: 12, dropout: 0.5)), seed: 17)
        var generator = RandomGenerator(seed: 18)
        let x = Tensor.randomNormal([2, 5, 8], using: &generator)
        let tape = Tape()
        func run(_ context: ForwardContext) -> Tensor {
            var context = context
            return model(tape.constant(x), context: &context).value
        }
        let evaluation = run(.evaluation)
        #expect(maxAbsDifference(evaluation, run(.evaluation)) == 0)
        let training = run(ForwardContext(training: true, generator: RandomGenerator(seed: 1)))
        #expect(maxAbsDifference(training, evaluation) > 1e-3)
        #expect(maxAbsDifference(training, run(ForwardContext(training: true, generator: RandomGenerator(seed: 1)))) == 0)
    }
}

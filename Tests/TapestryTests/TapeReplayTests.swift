// Record once, replay: a replayed recording must compute exactly what recording afresh
// computes, on new ids and updated weights, and allocate no tensor memory while doing so.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct TapeReplayTests {
    /// A small GPT-shaped graph using every op the trainer replays: embedding (token and
    /// position), broadcast and same-shape add, layerNorm, linear, packed attention, GELU and
    /// cross-entropy. B 2, T 5, C 8, 2 heads, vocabulary 7.
    struct Model {
        let wte, wpe, lnWeight, lnBias, attn, mlp, head: Parameter
        static let (batch, time, channels, vocabulary) = (2, 5, 8, 7)

        init(seed: UInt64) {
            var g = RandomGenerator(seed: seed)
            func random(_ name: String, _ shape: [Int]) -> Parameter {
                Parameter(name, Tensor.randomNormal(shape, std: 0.5, using: &g))
            }
            let c = Model.channels
            wte = random("wte", [Model.vocabulary, c]); wpe = random("wpe", [Model.time, c])
            lnWeight = random("ln.weight", [c]); lnBias = random("ln.bias", [c])
            attn = random("attn", [3 * c, c]); mlp = random("mlp", [c, c]); head = random("head", [Model.vocabulary, c])
        }

        var parameters: [Parameter] { [wte, wpe, lnWeight, lnBias, attn, mlp, head] }

        /// The loss of `ids` against `targets` (both [B, T]), recorded on `tape`.
        func loss(_ ids: IndexBuffer, _ targets: IndexBuffer, positions: IndexBuffer, tape: Tape) -> Variable {
            let (b, t) = (Model.batch, Model.time)
            let x = tape.parameter(wte).embedding(ids, shape: [b, t])
                + tape.parameter(wpe).embedding(positions, shape: [t])                    // broadcast add
            let h = x.layerNorm(weight: tape.parameter(lnWeight), bias: tape.parameter(lnBias))
            let qkv = h.linear(weight: tape.parameter(attn), bias: nil)                    // [B, T, 3C]
            let a = Variable.scaledDotProductAttention(packedQKV: qkv, heads: 2, causal: true).output
            let y = x + a.gelu().linear(weight: tape.parameter(mlp), bias: nil)           // same-shape add
            return y.linear(weight: tape.parameter(head), bias: nil).crossEntropy(targets: targets)
        }
    }

    static func randomIDs(_ g: inout RandomGenerator) -> [Int] {
        (0..<(Model.batch * Model.time)).map { _ in g.nextInt(below: Model.vocabulary) }
    }

    @Test func aReplayEqualsRecordingAfreshOnNewIDsAndWeights() {
        var g = RandomGenerator(seed: 5)
        let model = Model(seed: 4)
        let ids = IndexBuffer(Self.randomIDs(&g)), targets = IndexBuffer(Self.randomIDs(&g))
        let positions = IndexBuffer(Array(0..<Model.time))
        let tape = Tape()
        tape.releasesIntermediateGradients = true                      // as the trainer runs it
        let recorded = model.loss(ids, targets, positions: positions, tape: tape)
        #expect(tape.isReplayable)
        tape.backward(recorded)
        let bytes = tape.pooledBytes

        for round in 0..<3 {
            // New batch, new weights (written in place, as the optimizer does).
            ids.values = Self.randomIDs(&g)
            targets.values = Self.randomIDs(&g)
            for p in model.parameters {
                for i in 0..<p.count { p.valuePointer[i] += 0.1 * Float(i % 3) - 0.1 }
            }
            model.parameters.zeroGrad()
            tape.replay()
            tape.backward(recorded)
            let replayedLoss = recorded.value.item
            let replayedGradients = model.parameters.map(\.grad.scalars)

            model.parameters.zeroGrad()
            let fresh = Tape()
            let expected = model.loss(ids, targets, positions: positions, tape: fresh)
            fresh.backward(expected)
            #expect(replayedLoss == expected.value.item, "round \(round)")
            let differing = zip(model.parameters, replayedGradients).filter { $0.grad.scalars != $1 }.map(\.0.name)
            #expect(differing.isEmpty, "round \(round): the gradients of \(differing) differ")
            #expect(tape.pooledBytes == bytes, "a replay took new tensor memory")
        }
    }

    @Test func shapeOpsReplayOnUpdatedValues() {
        // permuted, reshaped (which shares its input's buffer) and sliced, into a loss.
        var g = RandomGenerator(seed: 8)
        let p = Parameter("p", Tensor.randomNormal([2, 3, 4], using: &g))
        let targets = IndexBuffer([1, 4])
        func loss(on tape: Tape) -> Variable {
            tape.parameter(p).permuted([0, 2, 1]).reshaped([2, 12]).sliced(axis: 1, 2..<9).crossEntropy(targets: targets)
        }
        let tape = Tape()
        let recorded = loss(on: tape)
        #expect(tape.isReplayable)
        for i in 0..<p.count { p.valuePointer[i] *= -1.5 }
        targets.values = [6, 0]
        tape.replay()
        tape.backward(recorded)
        let replayed = (recorded.value.item, p.grad.scalars)
        p.zeroGrad()
        let fresh = Tape(), expected = loss(on: fresh)
        fresh.backward(expected)
        #expect(replayed.0 == expected.value.item)
        #expect(replayed.1 == p.grad.scalars)
    }

    @Test func aRecordingWithAnOpThatCannotReplayIsNotReplayable() {
        let tape = Tape()
        #expect(!tape.isReplayable)                                    // nothing recorded yet
        let w = tape.parameter(Parameter("w", Tensor([[1, 2], [3, 4]])))
        let x = tape.constant(Tensor([[1, -1]]))
        let y = x.linear(weight: w, bias: nil)
        #expect(tape.isReplayable)
        _ = y.gatherRows([0])                                          // routing: no forward closure
        #expect(!tape.isReplayable)
        tape.reset()
        #expect(!tape.isReplayable)
    }

    @Test func resetStartsANewGeneration() {
        let tape = Tape()
        let before = tape.generation
        _ = tape.variable(Tensor([1])) * 2
        tape.reset()
        #expect(tape.generation == before + 1)
    }

    @Test func workspaceIsReusedNotAllocatedAgain() {
        let tape = Tape()
        tape.withWorkspace(count: 1000) { $0.update(repeating: 1, count: 1000) }
        let bytes = tape.pooledBytes
        #expect(bytes == 1000 * MemoryLayout<Float>.stride)
        for _ in 0..<5 {
            tape.withWorkspace(count: 1000) { $0[999] = 2 }
        }
        #expect(tape.pooledBytes == bytes)
    }
}

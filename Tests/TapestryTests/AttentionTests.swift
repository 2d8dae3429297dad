// Fused scaled dot-product attention and the causal mask: plain-loop and PyTorch references,
// the weights' invariants, the KV-cache property, determinism, and gradient checks.

import Foundation
import Testing
@testable import Tapestry
import TapestryTestSupport

/// One attention configuration: q [B, Tq, C], k and v [B, Tk, C].
struct AttentionCase: Sendable, CustomTestStringConvertible {
    let batch, queries, keys, channels, heads: Int
    let causal: Bool
    var testDescription: String {
        "B\(batch) Tq\(queries) Tk\(keys) C\(channels) nh\(heads) \(causal ? "causal" : "full")"
    }

    func inputs(seed: UInt64) -> (q: Tensor, k: Tensor, v: Tensor) {
        var generator = RandomGenerator(seed: seed)
        return (Tensor.randomNormal([batch, queries, channels], using: &generator),
                Tensor.randomNormal([batch, keys, channels], using: &generator),
                Tensor.randomNormal([batch, keys, channels], using: &generator))
    }
}

/// Attention written as the textbook loops, summed in Double: returns out [B, Tq, C] and
/// weights [B, nh, Tq, Tk]. Query i sits at position Tk − Tq + i when causal.
func referenceAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, causal: Bool) -> (output: Tensor, weights: Tensor) {
    let (batch, queries, channels, keys) = (q.shape[0], q.shape[1], q.shape[2], k.shape[1])
    let headSize = channels / heads
    var output = Tensor(zeros: [batch, queries, channels])
    var weights = Tensor(zeros: [batch, heads, queries, keys])
    for b in 0..<batch {
        for h in 0..<heads {
            for i in 0..<queries {
                let visible = causal ? keys - queries + i + 1 : keys
                var scores = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    for d in 0..<headSize {
                        scores[j] += Double(q[b, i, h * headSize + d]) * Double(k[b, j, h * headSize + d])
                    }
                    scores[j] /= Double(headSize).squareRoot()
                }
                let largest = scores.max()!
                let exps = scores.map { exp($0 - largest) }
                let total = exps.reduce(0, +)
                for j in 0..<visible { weights[b, h, i, j] = Float(exps[j] / total) }
                for d in 0..<headSize {
                    var sum = 0.0
                    for j in 0..<visible { sum += exps[j] / total * Double(v[b, j, h * headSize + d]) }
                    output[b, i, h * headSize + d] = Float(sum)
                }
            }
        }
    }
    return (output, weights)
}

@Suite struct AttentionTests {
    static let forwardCases = [
        AttentionCase(batch: 2, queries: 5, keys: 5, channels: 12, heads: 1, causal: true),
        AttentionCase(batch: 2, queries: 5, keys: 5, channels: 12, heads: 2, causal: true),
        AttentionCase(batch: 2, queries: 3, keys: 7, channels: 10, heads: 2, causal: true),    // Tq < Tk
        AttentionCase(batch: 1, queries: 4, keys: 6, channels: 8, heads: 2, causal: false),    // cross-attention
        AttentionCase(batch: 2, queries: 21, keys: 21, channels: 40, heads: 2, causal: true),  // hs 20, Tk 21: tails
        AttentionCase(batch: 1, queries: 70, keys: 70, channels: 16, heads: 1, causal: true),  // > 64 keys per row
        AttentionCase(batch: 1, queries: 3, keys: 70, channels: 34, heads: 2, causal: false),
    ]

    @Test(arguments: forwardCases)
    func forwardMatchesPlainLoops(_ c: AttentionCase) {
        let (q, k, v) = c.inputs(seed: 71)
        let tape = Tape()
        let (output, weights) = Variable.scaledDotProductAttention(
            query: tape.constant(q), key: tape.constant(k), value: tape.constant(v), heads: c.heads, causal: c.causal)
        let reference = referenceAttention(q, k, v, heads: c.heads, causal: c.causal)
        #expect(output.shape == [c.batch, c.queries, c.channels])
        #expect(weights.shape == [c.batch, c.heads, c.queries, c.keys])
        let outputDifference = maxAbsDifference(output.value, reference.output)
        let weightsDifference = maxAbsDifference(weights, reference.weights)
        #expect(outputDifference <= 1e-5, "max |output − loops| = \(outputDifference)")
        #expect(weightsDifference <= 1e-6, "max |weights − loops| = \(weightsDifference)")
    }

    @Test func forwardMatchesPyTorch() {
        // nanoGPT layout: q.view(B, T, nh, hs).transpose(1, 2), F.scaled_dot_product_attention(is_causal=True).
        let fixture = NNOpsFixture.shared.attention
        let tape = Tape()
        let q = tape.constant(Tensor(shape: fixture.shape, scalars: fixture.q))
        let k = tape.constant(Tensor(shape: fixture.shape, scalars: fixture.k))
        let v = tape.constant(Tensor(shape: fixture.shape, scalars: fixture.v))
        let output = Variable.scaledDotProductAttention(query: q, key: k, value: v, heads: fixture.heads, causal: true).output
        let difference = maxAbsDifference(output.value, Tensor(shape: fixture.shape, scalars: fixture.output))
        #expect(difference <= NNOpsFixture.shared.tolerance.value, "max |output − torch| = \(difference)")
    }

    @Test func weightRowsSumToOneAndFutureIsExactlyZero() {
        let c = AttentionCase(batch: 2, queries: 19, keys: 19, channels: 12, heads: 3, causal: true)
        let (q, k, v) = c.inputs(seed: 72)
        let tape = Tape()
        let weights = Variable.scaledDotProductAttention(
            query: tape.constant(q), key: tape.constant(k), value: tape.constant(v), heads: 3, causal: true).weights
        for b in 0..<2 {
            for h in 0..<3 {
                for i in 0..<19 {
                    var sum: Float = 0
                    for j in 0..<19 {
                        sum += weights[b, h, i, j]
                        if j > i { #expect(weights[b, h, i, j] == 0, "w[\(b), \(h), \(i), \(j)]") }
                    }
                    #expect(abs(sum - 1) <= 1e-5, "row (\(b), \(h), \(i)) sums to \(sum)")
                }
            }
        }
    }

    @Test func decodingStepEqualsLastRowOfFullCausalAttention() {
        // The KV-cache property: the newest query alone, against all keys so far, gives the same
        // output as the last row of the full causal computation.
        let c = AttentionCase(batch: 2, queries: 9, keys: 9, channels: 8, heads: 2, causal: true)
        let (q, k, v) = c.inputs(seed: 73)
        let tape = Tape()
        let full = Variable.scaledDotProductAttention(
            query: tape.constant(q), key: tape.constant(k), value: tape.constant(v), heads: 2, causal: true)
        var lastQuery = Tensor(zeros: [2, 1, 8])
        for b in 0..<2 { for d in 0..<8 { lastQuery[b, 0, d] = q[b, 8, d] } }
        let step = Variable.scaledDotProductAttention(
            query: tape.constant(lastQuery), key: tape.constant(k), value: tape.constant(v), heads: 2, causal: true)
        for b in 0..<2 {
            for d in 0..<8 { #expect(abs(step.output.value[b, 0, d] - full.output.value[b, 8, d]) <= 1e-6) }
            for h in 0..<2 {
                for j in 0..<9 { #expect(abs(step.weights[b, h, 0, j] - full.weights[b, h, 8, j]) <= 1e-6) }
            }
        }
    }

    static let gradientCases = [
        AttentionCase(batch: 2, queries: 5, keys: 5, channels: 6, heads: 1, causal: true),
        AttentionCase(batch: 2, queries: 5, keys: 5, channels: 6, heads: 2, causal: true),
        AttentionCase(batch: 1, queries: 3, keys: 6, channels: 8, heads: 1, causal: true),
        AttentionCase(batch: 2, queries: 3, keys: 6, channels: 8, heads: 2, causal: true),
        AttentionCase(batch: 2, queries: 4, keys: 3, channels: 6, heads: 1, causal: false),
        AttentionCase(batch: 1, queries: 4, keys: 7, channels: 8, heads: 2, causal: false),
        AttentionCase(batch: 1, queries: 18, keys: 18, channels: 34, heads: 2, causal: true),   // SIMD tails
    ]

    @Test(arguments: gradientCases)
    func gradCheckWithRespectToQueryKeyAndValue(_ c: AttentionCase) {
        let (q, k, v) = c.inputs(seed: 74)
        let result = gradCheck("attention \(c.testDescription)", inputs: [q, k, v]) { _, x in
            Variable.scaledDotProductAttention(query: x[0], key: x[1], value: x[2], heads: c.heads, causal: c.causal).output
        }
        #expect(result.passed, "\(result)")
    }

    @Test func sameVariableAsQueryKeyAndValueSumsItsGradients() {
        // Self-attention on one tensor: the three gradient contributions land in one buffer.
        var generator = RandomGenerator(seed: 75)
        let x = Tensor.randomNormal([2, 5, 4], using: &generator)
        let result = gradCheck("attention(x, x, x)", inputs: [x]) { _, v in
            Variable.scaledDotProductAttention(query: v[0], key: v[0], value: v[0], heads: 2, causal: true).output
        }
        #expect(result.passed, "\(result)")
    }

    @Test(arguments: [false, true])
    func packedQKVEqualsSplittingItFirst(causal: Bool) {
        // Reading q, k, v in place from [B, T, 3C] must give the bits of split-then-attend,
        // forward and backward (the gradient lands in qkv's three channel ranges).
        var generator = RandomGenerator(seed: 79)
        let qkv = Tensor.randomNormal([2, 18, 3 * 34], using: &generator)    // hs 17: SIMD tails
        let seed = Tensor.randomNormal([2, 18, 34], using: &generator)
        func run(packed: Bool) -> (output: Tensor, weights: Tensor, gradient: Tensor) {
            let tape = Tape()
            let x = tape.variable(qkv)
            let (output, weights): (Variable, Tensor)
            if packed {
                (output, weights) = Variable.scaledDotProductAttention(packedQKV: x, heads: 2, causal: causal)
            } else {
                let parts = x.split(axis: -1, sizes: [34, 34, 34])
                (output, weights) = Variable.scaledDotProductAttention(query: parts[0], key: parts[1], value: parts[2],
                                                                       heads: 2, causal: causal)
            }
            tape.backward(output, seed: seed)
            return (output.value, weights, tape.gradient(of: x)!)
        }
        let (packed, split) = (run(packed: true), run(packed: false))
        #expect(packed.output == split.output)
        #expect(packed.weights == split.weights)
        #expect(packed.gradient == split.gradient)
        let result = gradCheck("attention(packedQKV:)", inputs: [Tensor.randomNormal([1, 5, 12], using: &generator)]) { _, v in
            Variable.scaledDotProductAttention(packedQKV: v[0], heads: 2, causal: causal).output
        }
        #expect(result.passed, "\(result)")
    }

    @Test func gradientOfQueryAloneEqualsItsShareOfTheFullBackward() {
        // Only q needs a gradient (k, v constants): backward skips dk and dv but dq is unchanged.
        let c = AttentionCase(batch: 2, queries: 6, keys: 9, channels: 8, heads: 2, causal: true)
        let (q, k, v) = c.inputs(seed: 77)
        let seed = c.inputs(seed: 78).q
        func dq(keyAndValueNeedGradients: Bool) -> Tensor {
            let tape = Tape()
            let query = tape.variable(q)
            let key = keyAndValueNeedGradients ? tape.variable(k) : tape.constant(k)
            let value = keyAndValueNeedGradients ? tape.variable(v) : tape.constant(v)
            let output = Variable.scaledDotProductAttention(query: query, key: key, value: value, heads: 2, causal: true).output
            tape.backward(output, seed: seed)
            return tape.gradient(of: query)!
        }
        #expect(dq(keyAndValueNeedGradients: false) == dq(keyAndValueNeedGradients: true))
    }

    @Test func resultsDoNotDependOnTheThreadCount() {
        let c = AttentionCase(batch: 3, queries: 17, keys: 17, channels: 24, heads: 3, causal: true)
        let (q, k, v) = c.inputs(seed: 76)
        func run() -> [Tensor] {
            let tape = Tape()
            let (query, key, value) = (tape.variable(q), tape.variable(k), tape.variable(v))
            let (output, weights) = Variable.scaledDotProductAttention(query: query, key: key, value: value,
                                                                        heads: 3, causal: true)
            tape.backward(output, seed: Tensor(repeating: 0.5, shape: output.shape))
            return [output.value, weights, tape.gradient(of: query)!, tape.gradient(of: key)!, tape.gradient(of: value)!]
        }
        let one = withThreadCount(1) { run() }
        let two = withThreadCount(2) { run() }
        #expect(one == two)
    }
}

@Suite struct CausalMaskTests {
    @Test func futureBecomesMinusInfinity() {
        let tape = Tape()
        let scores = tape.constant(Tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
        let masked = scores.causalMask().value
        #expect(masked.scalars == [1, -.infinity, -.infinity, 4, 5, -.infinity, 7, 8, 9])
        // Tq = 2 of Tk = 3: the queries are positions 1 and 2.
        let step = tape.constant(Tensor([[1, 2, 3], [4, 5, 6]])).causalMask().value
        #expect(step.scalars == [1, 2, -.infinity, 4, 5, 6])
    }

    @Test func gradientPassesWhereKeptOnly() {
        let tape = Tape()
        let scores = tape.variable(Tensor(zeros: [2, 3, 3]))
        tape.backward(scores.causalMask(), seed: Tensor(repeating: 2, shape: [2, 3, 3]))
        #expect(tape.gradient(of: scores)!.scalars == [2, 0, 0, 2, 2, 0, 2, 2, 2,
                                                       2, 0, 0, 2, 2, 0, 2, 2, 2])
    }

    @Test func maskThenSoftmaxGradCheckAndEqualsFusedWeights() {
        // The unfused lesson version, scores → mask → softmax, is checked against finite
        // differences (the −∞ entries make the mask alone unsuitable for a projected check).
        var generator = RandomGenerator(seed: 81)
        let scores = Tensor.randomNormal([2, 6, 6], using: &generator)
        let result = gradCheck("causalMask+softmax", inputs: [scores]) { _, v in v[0].causalMask().softmax() }
        #expect(result.passed, "\(result)")

        // The fused op's weights are the same numbers: one head, scores = q·kᵀ/√hs written by hand.
        let q = Tensor.randomNormal([1, 6, 4], using: &generator), k = Tensor.randomNormal([1, 6, 4], using: &generator)
        let tape = Tape()
        let fused = Variable.scaledDotProductAttention(query: tape.constant(q), key: tape.constant(k),
                                                        value: tape.constant(k), heads: 1, causal: true).weights
        var handScores = Tensor(zeros: [1, 1, 6, 6])
        for i in 0..<6 {
            for j in 0..<6 {
                var s: Float = 0
                for d in 0..<4 { s += q[0, i, d] * k[0, j, d] }
                handScores[0, 0, i, j] = s / 2                                      // √hs = 2
            }
        }
        let unfused = tape.constant(handScores).causalMask().softmax().value
        #expect(maxAbsDifference(fused, unfused) <= 1e-6)
    }
}

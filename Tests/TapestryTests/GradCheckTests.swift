// The gradient check itself: it must FAIL on a wrong backward, and say where.
//
// Two hand-written ops, recorded with `tape.record` right here:
// - a LayerNorm (no affine part) whose backward forgets the −mean(dŷ) term, the classic bug
//   (derivation in Ops/LayerNorm.swift); the same code with the term restored must pass;
// - an elementwise product x ⊙ w whose backward for w forgets the factor x, so the check must
//   name argument 1.

import Testing
@testable import Tapestry

/// LayerNorm over the last axis of a 2-D tensor, with scalar loops, and a switch that drops
/// the mean term from the backward: dx = rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ⊙x̂)).
private func handLayerNorm(_ x: Variable, includeMeanTerm: Bool) -> Variable {
    let (rows, columns) = (x.shape[0], x.shape[1])
    var normalized = Tensor(zeros: x.shape)                                   // x̂ [rows, columns]
    var rstd = [Float](repeating: 0, count: rows)
    for r in 0..<rows {
        var mean: Float = 0, variance: Float = 0
        for j in 0..<columns { mean += x.value[r, j] / Float(columns) }
        for j in 0..<columns { variance += (x.value[r, j] - mean) * (x.value[r, j] - mean) / Float(columns) }
        rstd[r] = 1 / (variance + 1e-5).squareRoot()
        for j in 0..<columns { normalized[r, j] = (x.value[r, j] - mean) * rstd[r] }
    }
    return x.tape.record("handLayerNorm", inputs: [x], output: normalized) { dy in
        guard let dx = x.tape.gradientPointer(x) else { return }
        for r in 0..<rows {
            var meanGradient: Float = 0, meanProjection: Float = 0
            for j in 0..<columns {
                meanGradient += dy[r * columns + j] / Float(columns)
                meanProjection += dy[r * columns + j] * normalized[r, j] / Float(columns)
            }
            for j in 0..<columns {
                let meanTerm = includeMeanTerm ? meanGradient : 0
                dx[r * columns + j] += rstd[r] * (dy[r * columns + j] - meanTerm - normalized[r, j] * meanProjection)
            }
        }
    }
}

/// x ⊙ w whose backward for w is wrong (adds dy instead of dy ⊙ x).
private func productWithWrongWeightGradient(_ x: Variable, _ w: Variable) -> Variable {
    var y = Tensor(zeros: x.shape)
    for i in 0..<x.value.count { y[flat: i] = x.value[flat: i] * w.value[flat: i] }
    return x.tape.record("wrongProduct", inputs: [x, w], output: y) { dy in
        if let dx = x.tape.gradientPointer(x) {
            for i in 0..<x.value.count { dx[i] += dy[i] * w.value[flat: i] }   // right: d(xw)/dx = w
        }
        if let dw = x.tape.gradientPointer(w) {
            for i in 0..<x.value.count { dw[i] += dy[i] }                         // wrong: should be dy·x
        }
    }
}

@Suite struct GradCheckTests {
    let input: Tensor = {
        var generator = RandomGenerator(seed: 91)
        return Tensor.randomNormal([3, 7], std: 2, using: &generator)
    }()

    @Test func correctHandWrittenLayerNormPasses() {
        let result = gradCheck("handLayerNorm", inputs: [input]) { _, v in handLayerNorm(v[0], includeMeanTerm: true) }
        #expect(result.passed, "\(result)")
    }

    @Test func layerNormMissingTheMeanTermFails() {
        let result = gradCheck("layerNorm without mean term", inputs: [input]) { _, v in
            handLayerNorm(v[0], includeMeanTerm: false)
        }
        #expect(!result.passed, "the check accepted a wrong backward: \(result)")
        #expect(result.argument == 0)
        #expect(result.error > 1e-2, "the worst error \(result.error) should be O(1)")
        let description = result.description
        #expect(description.contains("FAILED") && description.contains("argument 0")
                && description.contains("index \(result.index)"), "\(description)")
    }

    @Test func wrongSecondArgumentIsNamed() {
        var generator = RandomGenerator(seed: 92)
        let w = Tensor.randomNormal([3, 7], using: &generator)
        let result = gradCheck("wrongProduct", inputs: [input, w]) { _, v in productWithWrongWeightGradient(v[0], v[1]) }
        #expect(!result.passed)
        #expect(result.argument == 1, "\(result)")
        #expect(result.description.contains("argument 1"), "\(result)")
        // The reported element really is wrong: the tape says dy, the truth is dy·x.
        #expect(abs(result.received - result.expected) == result.error)
    }
}

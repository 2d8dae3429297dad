// Tests of the tape itself: fan-out, no-grad, reset and reuse, gradient accumulation.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct LinearOpTests {
    @Test func linearForwardMatchesHandComputedValues() {
        let tape = Tape()
        let x = tape.constant(Tensor([[1, 2]]))                 // [1, 2]
        let w = tape.constant(Tensor([[1, 0], [0, 1], [1, 1]])) // [3, 2]
        let b = tape.constant(Tensor([0.5, -0.5, 0]))
        let y = x.linear(weight: w, bias: b)
        #expect(y.shape == [1, 3])
        #expect(y.value.scalars == [1.5, 1.5, 3])
    }

    @Test func linearGradCheck() {
        var g = RandomGenerator(seed: 1)
        let x = Tensor.randomNormal([2, 3, 5], using: &g)
        let w = Tensor.randomNormal([4, 5], using: &g)
        let b = Tensor.randomNormal([4], using: &g)
        let result = gradCheck("linear", inputs: [x, w, b]) { _, v in v[0].linear(weight: v[1], bias: v[2]) }
        #expect(result.passed, "\(result)")
    }

    @Test func fanOutSumsGradients() {
        // y = linear(x, W) used twice through W: the tied-weight case. dW must be the sum.
        let tape = Tape()
        let p = Parameter("w", Tensor([[2.0]]))
        let w = tape.parameter(p)
        let x = tape.constant(Tensor([[3.0]]))
        let y1 = x.linear(weight: w, bias: nil)                 // 6, d/dw = 3
        let y2 = y1.linear(weight: w, bias: nil)                // w·(x·w) = x w², d/dw = 2xw = 12
        tape.backward(y2)
        #expect(p.grad.scalars == [12])
    }

    @Test func linearOverwritesAFreshGradientAndAddsToAnExistingOne() {
        // dx of a linear is written (not added) when it is the first contribution to x's
        // gradient; a second linear reading x must then add. Both orders against a gradcheck,
        // and the values against the hand formula dx = dy·W1 + dy·W2 with dy = 1.
        var generator = RandomGenerator(seed: 81)
        let x = Tensor.randomNormal([3, 4], using: &generator)
        let w1 = Tensor.randomNormal([5, 4], using: &generator), w2 = Tensor.randomNormal([5, 4], using: &generator)
        let result = gradCheck("x·W1ᵀ + (x·W2ᵀ)·2", inputs: [x, w1, w2]) { _, v in
            v[0].linear(weight: v[1], bias: nil) + v[0].linear(weight: v[2], bias: nil) * 2
        }
        #expect(result.passed, "\(result)")
        let tape = Tape()
        let xv = tape.variable(x)
        let y = (xv.linear(weight: tape.constant(w1), bias: nil) + xv.linear(weight: tape.constant(w2), bias: nil)).sum()
        tape.releasesIntermediateGradients = true
        tape.backward(y)
        let dx = tape.gradient(of: xv)!
        for i in 0..<3 {
            for j in 0..<4 {
                let expected = (0..<5).reduce(Float(0)) { $0 + w1[$1, j] + w2[$1, j] }
                #expect(abs(dx[i, j] - expected) < 1e-5)
            }
        }
    }
}

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
}

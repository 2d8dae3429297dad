// GELU, exact and tanh forms: PyTorch values and gradients on [-8, 8] and gradient checks.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct GELUTests {
    let fixture = NNOpsFixture.shared.gelu
    let tolerance = NNOpsFixture.shared.tolerance

    @Test(arguments: [GELUApproximation.exact, .tanh])
    func forwardAndBackwardMatchPyTorch(approximation: GELUApproximation) {
        let reference = approximation == .exact ? fixture.exact : fixture.tanh
        let tape = Tape()
        let x = tape.variable(Tensor(fixture.x))                                     // 70 points
        let y = x.gelu(approximation: approximation)
        let yDifference = maxAbsDifference(y.value, Tensor(reference.y))
        #expect(yDifference <= tolerance.value, "\(approximation): max |y − torch| = \(yDifference)")
        tape.backward(y, seed: Tensor(fixture.upstream))
        let dxDifference = maxAbsDifference(tape.gradient(of: x)!, Tensor(reference.dx))
        #expect(dxDifference <= tolerance.gradient, "\(approximation): max |dx − torch| = \(dxDifference)")
    }

    @Test func workedExample() {
        let tape = Tape()
        let y = tape.constant(Tensor([-1, 0, 1])).gelu().value
        #expect(y.isClose(to: Tensor([-0.158_655_25, 0, 0.841_344_75]), tolerance: 1e-6))
    }

    @Test(arguments: [GELUApproximation.exact, .tanh])
    func gradCheck(approximation: GELUApproximation) {
        var generator = RandomGenerator(seed: 41)
        let x = Tensor.randomNormal([3, 23], std: 2, using: &generator)
        let result = Tapestry.gradCheck("gelu \(approximation)", inputs: [x]) { _, v in
            v[0].gelu(approximation: approximation)
        }
        #expect(result.passed, "\(result)")
    }

    @Test func gradientIsWrittenFirstOrAddedWhicheverOrderTheConsumersRun() {
        // gelu's backward writes dx when it is the first contribution and adds otherwise; so
        // does a same-shape add (x + x: the second contribution adds to the first).
        var generator = RandomGenerator(seed: 83)
        let x = Tensor.randomNormal([3, 20], using: &generator)    // 60 elements: a SIMD tail
        let geluFirst = Tapestry.gradCheck("x·2 + gelu(x)", inputs: [x]) { _, v in v[0] * 2 + v[0].gelu() }
        let geluLast = Tapestry.gradCheck("gelu(x) + x·2", inputs: [x]) { _, v in v[0].gelu() + v[0] * 2 }
        let doubled = Tapestry.gradCheck("x + x", inputs: [x]) { _, v in v[0] + v[0] }
        #expect(geluFirst.passed, "\(geluFirst)")
        #expect(geluLast.passed, "\(geluLast)")
        #expect(doubled.passed, "\(doubled)")
    }
}

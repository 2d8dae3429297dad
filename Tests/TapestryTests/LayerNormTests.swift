// LayerNorm: PyTorch values and gradients (with a row of mean 100), and gradient checks.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct LayerNormTests {
    let fixture = NNOpsFixture.shared.layerNorm
    let tolerance = NNOpsFixture.shared.tolerance

    @Test func forwardAndBackwardMatchPyTorch() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: fixture.shape, scalars: fixture.x))              // [4, 37]
        let weight = tape.variable(Tensor(fixture.weight)), bias = tape.variable(Tensor(fixture.bias))
        let y = x.layerNorm(weight: weight, bias: bias, epsilon: fixture.epsilon)
        let yDifference = maxAbsDifference(y.value, Tensor(shape: fixture.shape, scalars: fixture.y))
        #expect(yDifference <= tolerance.value, "max |y − torch| = \(yDifference)")

        tape.backward(y, seed: Tensor(shape: fixture.shape, scalars: fixture.upstream))
        let dx = maxAbsDifference(tape.gradient(of: x)!, Tensor(shape: fixture.shape, scalars: fixture.dx))
        let dWeight = maxAbsDifference(tape.gradient(of: weight)!, Tensor(fixture.dweight))
        let dBias = maxAbsDifference(tape.gradient(of: bias)!, Tensor(fixture.dbias))
        #expect(dx <= tolerance.gradient, "max |dx − torch| = \(dx)")
        #expect(dWeight <= tolerance.gradient, "max |dweight − torch| = \(dWeight)")
        #expect(dBias <= tolerance.gradient, "max |dbias − torch| = \(dBias)")
    }

    @Test func workedExample() {
        let tape = Tape()
        let y = tape.constant(Tensor([[1, 2, 3]]))
            .layerNorm(weight: tape.constant(Tensor([1, 1, 1])), bias: tape.constant(Tensor([0, 0, 0])), epsilon: 0)
        // mean 2, variance 2/3: (x − 2)/√(2/3) = −1.2247, 0, 1.2247
        #expect(y.value.isClose(to: Tensor([[-1.224_744_9, 0, 1.224_744_9]]), tolerance: 1e-6))
    }

    @Test(arguments: [[2, 3, 37], [5, 16], [40, 9]])
    func gradCheckWithRespectToInputWeightAndBias(shape: [Int]) {
        // [40, 9] has more rows than one backward block (32), so the partial sums are combined.
        var generator = RandomGenerator(seed: 31)
        let channels = shape.last!
        let x = Tensor.randomNormal(shape, std: 2, using: &generator)
        let weight = Tensor.randomNormal([channels], using: &generator)
        let bias = Tensor.randomNormal([channels], using: &generator)
        let result = gradCheck("layerNorm", inputs: [x, weight, bias]) { _, v in
            v[0].layerNorm(weight: v[1], bias: v[2])
        }
        #expect(result.passed, "\(result)")
    }

    @Test func parameterGradientsWithoutInputGradient() {
        // x is a constant: backward must still fill dweight and dbias (dx pass skipped).
        let tape = Tape()
        let x = tape.constant(Tensor([[1, 2, 3], [3, 1, 2]]))
        let weight = tape.variable(Tensor([1, 2, 3])), bias = tape.variable(Tensor([0, 0, 0]))
        tape.backward(x.layerNorm(weight: weight, bias: bias, epsilon: 0), seed: Tensor(ones: [2, 3]))
        #expect(tape.gradient(of: bias)!.scalars == [2, 2, 2])                    // Σ_rows dy
        let a: Float = 1.224_744_9                                                   // x̂ rows: [−a, 0, a], [a, −a, 0]
        #expect(tape.gradient(of: weight)!.isClose(to: Tensor([0, -a, a]), tolerance: 1e-5))
    }
}

// Softmax and log-softmax: PyTorch values, invariants, and gradient checks.

import Foundation
import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct SoftmaxTests {
    let fixture = NNOpsFixture.shared.softmax
    let tolerance = NNOpsFixture.shared.tolerance

    @Test func softmaxMatchesPyTorch() {
        // Rows include an offset of +80 (exp(80) overflows Float without the max shift).
        let tape = Tape()
        let x = tape.constant(Tensor(shape: fixture.shape, scalars: fixture.x))
        let difference = maxAbsDifference(x.softmax().value, Tensor(shape: fixture.shape, scalars: fixture.softmax))
        #expect(difference <= tolerance.value, "max |tapestry − torch| = \(difference)")
    }

    @Test func logSoftmaxMatchesPyTorch() {
        let tape = Tape()
        let x = tape.constant(Tensor(shape: fixture.shape, scalars: fixture.x))
        let difference = maxAbsDifference(x.logSoftmax().value,
                                          Tensor(shape: fixture.shape, scalars: fixture.logSoftmax))
        #expect(difference <= tolerance.value, "max |tapestry − torch| = \(difference)")
    }

    @Test func workedExample() {
        let tape = Tape()
        let y = tape.constant(Tensor([1, 2, 3])).softmax().value
        // e^1, e^2, e^3 over their sum 30.193: 0.0900, 0.2447, 0.6652
        #expect(y.isClose(to: Tensor([0.090_030_57, 0.244_728_47, 0.665_240_96]), tolerance: 1e-6))
    }

    @Test(arguments: [1, 15, 16, 17, 64, 65, 200])
    func rowsSumToOneAndLogAgrees(columns: Int) {
        // Every length around the 16-lane boundary: the padding lanes must never enter a sum.
        var generator = RandomGenerator(seed: UInt64(columns))
        let tape = Tape()
        let x = tape.constant(Tensor.randomNormal([3, columns], std: 4, using: &generator))
        let p = x.softmax().value, logP = x.logSoftmax().value
        for row in 0..<3 {
            var sum: Float = 0
            for j in 0..<columns { sum += p[row, j] }
            #expect(abs(sum - 1) <= 1e-5, "row \(row) sums to \(sum)")
        }
        for i in 0..<p.count {
            #expect(abs(Float(exp(Double(logP[flat: i]))) - p[flat: i]) <= 1e-6)
        }
    }

    @Test func softmaxGradCheck() {
        var generator = RandomGenerator(seed: 11)
        let x = Tensor.randomNormal([2, 3, 21], std: 2, using: &generator)
        let result = gradCheck("softmax", inputs: [x]) { _, v in v[0].softmax() }
        #expect(result.passed, "\(result)")
    }

    @Test func logSoftmaxGradCheck() {
        var generator = RandomGenerator(seed: 12)
        let x = Tensor.randomNormal([4, 19], std: 2, using: &generator)
        let result = gradCheck("logSoftmax", inputs: [x]) { _, v in v[0].logSoftmax() }
        #expect(result.passed, "\(result)")
    }
}

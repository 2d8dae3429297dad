// Tests of sum, mean and max: over all elements and over each axis, with and without the
// kept dimension, against an independent index-by-index loop, plus gradient checks.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct ReduceTests {
    private let x: Tensor = {
        var generator = RandomGenerator(seed: 11)
        return Tensor.randomNormal([2, 3, 4], using: &generator)
    }()

    /// Σ (or max) along `axis` of a [2, 3, 4] tensor, by explicit indices, summed in Double.
    private func reference(_ x: Tensor, axis: Int, max: Bool = false) -> [Float] {
        var result: [Float] = []
        let dims = x.shape
        var outer = dims; outer.remove(at: axis)
        for i in 0..<outer[0] {
            for j in 0..<outer[1] {
                var total = 0.0, best = -Float.infinity
                for k in 0..<dims[axis] {
                    var index = [i, j]; index.insert(k, at: axis)
                    let value = x[index[0], index[1], index[2]]
                    total += Double(value)
                    best = Swift.max(best, value)
                }
                result.append(max ? best : Float(total))
            }
        }
        return result
    }

    @Test func sumAndMeanOfAllElements() {
        let tape = Tape()
        let v = tape.constant(Tensor([[1, 2, 3], [4, 5, 6]]))
        #expect(v.sum().shape == [])
        #expect(v.sum().value.item == 21)
        #expect(v.mean().value.item == 3.5)
        // Long enough to use the 16-lane loop and its tail: Σ 1...100 = 5050.
        let long = tape.constant(Tensor((1...100).map(Float.init)))
        #expect(long.sum().value.item == 5050)
        #expect(long.mean().value.item == 50.5)
    }

    @Test func sumAlongEachAxis() {
        let tape = Tape()
        let v = tape.constant(x)
        for axis in 0..<3 {
            let expected = reference(x, axis: axis)
            var kept = x.shape; kept[axis] = 1
            var dropped = x.shape; dropped.remove(at: axis)
            let sum = v.sum(axis: axis), keptSum = v.sum(axis: axis, keepingDimension: true)
            #expect(sum.shape == dropped)
            #expect(keptSum.shape == kept)
            #expect(maxAbsDifference(sum.value, Tensor(shape: dropped, scalars: expected)) < 1e-5)
            #expect(keptSum.value.scalars == sum.value.scalars)
            #expect(v.sum(axis: axis - 3).value == sum.value)                   // negative axis
            let mean = v.mean(axis: axis).value
            let count = Float(x.shape[axis])
            #expect(maxAbsDifference(mean, Tensor(shape: dropped, scalars: expected.map { $0 / count })) < 1e-5)
            #expect(x.sum(axis: axis) == sum.value)                              // the Tensor form
        }
    }

    @Test func maxAlongEachAxis() {
        let tape = Tape()
        let v = tape.constant(x)
        for axis in 0..<3 {
            var dropped = x.shape; dropped.remove(at: axis)
            #expect(v.max(axis: axis).value == Tensor(shape: dropped, scalars: reference(x, axis: axis, max: true)))
            #expect(v.max(axis: axis, keepingDimension: true).value.scalars == v.max(axis: axis).value.scalars)
        }
    }

    @Test func maxGradientGoesToTheFirstArgmax() {
        let tape = Tape()
        let v = tape.variable(Tensor([[1, 3, 3], [5, 2, 5]]))
        let m = v.max(axis: 1)
        #expect(m.value == Tensor([3, 5]))
        tape.backward(m.sum())
        #expect(tape.gradient(of: v) == Tensor([[0, 1, 0], [1, 0, 0]]))
    }

    @Test func maxOfLongRowsUsesTheFirstArgmax() {
        // Rows of 40 run the 16-lane pass (elements 0..<32) and its tail (32..<40).
        // Row 0: the max is in the tail. Row 1: in the first 16 lanes, above a runner-up in
        // the tail. Row 2: a tie at 5 and 20 (first wins). Row 3: all equal (index 0 wins).
        var rows = [[Float]](repeating: [Float](repeating: -1, count: 40), count: 4)
        rows[0][37] = 9
        rows[1][3] = 9; rows[1][37] = 8
        rows[2][5] = 4; rows[2][20] = 4
        let tape = Tape()
        let v = tape.variable(Tensor(rows))
        let m = v.max(axis: -1)
        #expect(m.value == Tensor([9, 9, 4, -1]))
        tape.backward(m, seed: Tensor([1, 2, 3, 4]))
        var expected = [[Float]](repeating: [Float](repeating: 0, count: 40), count: 4)
        expected[0][37] = 1; expected[1][3] = 2; expected[2][5] = 3; expected[3][0] = 4
        #expect(tape.gradient(of: v) == Tensor(expected))
    }

    @Test func gradientsAlongEachAxis() {
        for axis in [0, 1, 2, -1] {
            for keep in [false, true] {
                let sum = gradCheck("sum axis \(axis) keep \(keep)", inputs: [x]) { _, v in v[0].sum(axis: axis, keepingDimension: keep) }
                #expect(sum.passed, "\(sum)")
                let mean = gradCheck("mean axis \(axis) keep \(keep)", inputs: [x]) { _, v in v[0].mean(axis: axis, keepingDimension: keep) }
                #expect(mean.passed, "\(mean)")
                // Random normals have no ties, and h = 1e-3 does not reorder them here.
                let max = gradCheck("max axis \(axis) keep \(keep)", inputs: [x]) { _, v in v[0].max(axis: axis, keepingDimension: keep) }
                #expect(max.passed, "\(max)")
            }
        }
        let total = gradCheck("sum", inputs: [x]) { _, v in v[0].sum() }
        #expect(total.passed, "\(total)")
        let mean = gradCheck("mean", inputs: [x]) { _, v in v[0].mean() }
        #expect(mean.passed, "\(mean)")
    }

    @Test func keptDimensionBroadcastsBack() {
        // x - mean(x, keep) has zero mean along that axis; its gradient uses both ops' rules.
        let tape = Tape()
        let v = tape.constant(x)
        let centered = v - v.mean(axis: -1, keepingDimension: true)
        #expect(maxAbsDifference(centered.sum(axis: -1).value, Tensor(zeros: [2, 3])) < 1e-5)
        let result = gradCheck("centered", inputs: [x]) { _, v in
            let c = v[0] - v[0].mean(axis: 1, keepingDimension: true)
            return c * c
        }
        #expect(result.passed, "\(result)")
    }
}

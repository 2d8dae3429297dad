// Tests of reshape, permute/transpose, slice, concatenate and split: hand-checked moves,
// round trips, and gradient checks.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct ShapeOpsTests {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.randomNormal(shape, using: &generator)
    }

    @Test func reshapeSharesStorageAndInfersMinusOne() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init)))
        let y = x.reshaped([4, -1])
        #expect(y.shape == [4, 6])
        #expect(y.value.storage === x.value.storage)
        #expect(y.value.scalars == x.value.scalars)
        let result = gradCheck("reshaped", inputs: [random([2, 3, 4], seed: 1)]) { _, v in v[0].reshaped([6, 4]) * v[0].reshaped([6, 4]) }
        #expect(result.passed, "\(result)")
    }

    @Test func transposeOfAMatrixByHand() {
        let tape = Tape()
        let x = tape.constant(Tensor([[1, 2, 3], [4, 5, 6]]))
        #expect(x.transposed(0, 1).value == Tensor([[1, 4], [2, 5], [3, 6]]))
        #expect(x.transposed(-1, -2).value == Tensor([[1, 4], [2, 5], [3, 6]]))
        #expect(Tensor([[1, 2, 3], [4, 5, 6]]).transposed(1, 0) == Tensor([[1, 4], [2, 5], [3, 6]]))
    }

    @Test func permuteMovesEachElementWhereTheAxesSay() {
        // y[i, j, k] = x[j, k, i] for axes [2, 0, 1].
        let x = random([2, 3, 4], seed: 2)
        let tape = Tape()
        let y = tape.constant(x).permuted([2, 0, 1]).value
        #expect(y.shape == [4, 2, 3])
        for i in 0..<4 { for j in 0..<2 { for k in 0..<3 { #expect(y[i, j, k] == x[j, k, i]) } } }
        // The attention head split keeps the last axis: whole rows move.
        let heads = tape.constant(x.reshaped([1, 2, 3, 4])).permuted([0, 2, 1, 3]).value  // [1, 3, 2, 4]
        for t in 0..<2 { for h in 0..<3 { for d in 0..<4 { #expect(heads[0, h, t, d] == x[t, h, d]) } } }
    }

    @Test func largeTransposeCrossesTileEdges() {
        // 37 and 20 are not multiples of the 16-row tiles, so full and partial tiles both run.
        let x = random([3, 37, 20], seed: 9)
        let y = x.transposed(-1, -2)                                    // [3, 20, 37]
        for b in 0..<3 { for i in 0..<20 { for j in 0..<37 { #expect(y[b, i, j] == x[b, j, i]) } } }
        let tape = Tape()
        let v = tape.variable(x)
        tape.backward(v.transposed(1, 2), seed: y)                      // dx = dyᵀ = x
        #expect(tape.gradient(of: v) == x)
        let result = gradCheck("transposed [3,37,20]", inputs: [x]) { _, v in v[0].transposed(1, 2) }
        #expect(result.passed, "\(result)")
    }

    @Test func permuteRoundTrip() {
        let x = random([2, 3, 4, 5], seed: 3)
        let tape = Tape()
        let axes = [3, 1, 0, 2]
        let inverse = axes.indices.map { axes.firstIndex(of: $0)! }     // [2, 1, 3, 0]
        let back = tape.constant(x).permuted(axes).permuted(inverse)
        #expect(back.value == x)
    }

    @Test func permuteAndTransposeGradients() {
        let x = [random([2, 3, 4], seed: 4)]
        for axes in [[2, 0, 1], [0, 2, 1], [1, 0, 2], [0, 1, 2]] {
            let result = gradCheck("permuted \(axes)", inputs: x) { _, v in v[0].permuted(axes) }
            #expect(result.passed, "\(result)")
        }
        let result = gradCheck("transposed(-1, -2)", inputs: x) { _, v in v[0].transposed(-1, -2) }
        #expect(result.passed, "\(result)")
    }

    @Test func sliceByHand() {
        let tape = Tape()
        let x = tape.constant(Tensor([[1, 2, 3, 4], [5, 6, 7, 8]]))
        #expect(x.sliced(axis: 1, 1..<3).value == Tensor([[2, 3], [6, 7]]))
        #expect(x.sliced(axis: 0, 1..<2).value == Tensor([[5, 6, 7, 8]]))
        #expect(x.sliced(axis: -1, 3..<4).value == Tensor([[4], [8]]))
    }

    @Test func concatenateByHand() {
        let tape = Tape()
        let a = tape.constant(Tensor([[1, 2], [3, 4]])), b = tape.constant(Tensor([[5], [6]]))
        #expect(Variable.concatenate([a, b], axis: 1).value == Tensor([[1, 2, 5], [3, 4, 6]]))
        #expect(Variable.concatenate([a, a], axis: 0).value == Tensor([[1, 2], [3, 4], [1, 2], [3, 4]]))
    }

    @Test func splitThenConcatenateIsTheIdentity() {
        let x = random([2, 6, 3], seed: 5)
        let tape = Tape()
        for axis in [0, 1, 2, -1] {
            let dimension = x.shape[axis < 0 ? axis + 3 : axis]
            let sizes = dimension == 2 ? [1, 1] : dimension == 3 ? [2, 0, 1] : [1, 2, 3]
            let parts = tape.constant(x).split(axis: axis, sizes: sizes)
            #expect(parts.map { $0.shape[axis < 0 ? axis + 3 : axis] } == sizes)
            #expect(Variable.concatenate(parts, axis: axis).value == x)
        }
    }

    @Test func roundTripsAddIntoGradientsThatAlreadyHoldValues() {
        // x * roundTrip(x) = x², so dx must be 2x: the multiply's backward runs first and the
        // round trip's backward must ADD its share to it, never overwrite it.
        let x = random([2, 3, 4], seed: 8)
        let roundTrips: [(String, (Variable) -> Variable)] = [
            ("reshaped", { $0.reshaped([4, 6]).reshaped([2, 3, 4]) }),
            ("permuted", { $0.permuted([2, 0, 1]).permuted([1, 2, 0]) }),
            ("transposed", { $0.transposed(0, 2).transposed(0, 2) }),
            ("split/concatenate", { Variable.concatenate($0.split(axis: 1, sizes: [1, 2]), axis: 1) }),
        ]
        for (name, roundTrip) in roundTrips {
            let tape = Tape()
            let v = tape.variable(x)
            tape.backward((v * roundTrip(v)).sum())
            #expect(maxAbsDifference(tape.gradient(of: v)!, x + x) < 1e-6, "\(name)")
        }
    }

    @Test func sliceConcatenateSplitGradients() {
        let x = random([3, 4, 5], seed: 6), y = random([3, 2, 5], seed: 7)
        let slice = gradCheck("sliced", inputs: [x]) { _, v in v[0].sliced(axis: 1, 1..<3) }
        #expect(slice.passed, "\(slice)")
        let lastAxis = gradCheck("sliced last axis", inputs: [x]) { _, v in v[0].sliced(axis: -1, 2..<5) }
        #expect(lastAxis.passed, "\(lastAxis)")
        let joined = gradCheck("concatenate", inputs: [x, y]) { _, v in Variable.concatenate([v[0], v[1], v[0]], axis: 1) }
        #expect(joined.passed, "\(joined)")
        let split = gradCheck("split", inputs: [x]) { _, v in
            let parts = v[0].split(axis: -1, sizes: [2, 3])
            return parts[0] * parts[1].sliced(axis: -1, 0..<2)
        }
        #expect(split.passed, "\(split)")
    }
}

// Tests of matmul: a hand-computed product, batched and shared-B products against a naive
// Double-precision reference, and gradient checks of every form.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct MatmulTests {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.randomNormal(shape, using: &generator)
    }

    @Test func matrixProductByHand() {
        let tape = Tape()
        let a = tape.constant(Tensor([[1, 2], [3, 4], [5, 6]]))        // [3, 2]
        let b = tape.constant(Tensor([[1, 0, 2], [-1, 1, 0]]))          // [2, 3]
        // row i of C = a[i, 0] · b[0] + a[i, 1] · b[1]
        #expect(a.matmul(b).value == Tensor([[-1, 2, 2], [-1, 4, 6], [-1, 6, 10]]))
        #expect(Tensor([[1, 2], [3, 4], [5, 6]]).matmul(Tensor([[1, 0, 2], [-1, 1, 0]])) == a.matmul(b).value)
    }

    @Test func batchedProductMatchesEachItem() {
        let a = random([2, 3, 4, 5], seed: 1), b = random([2, 3, 5, 2], seed: 2)
        let tape = Tape()
        let c = tape.constant(a).matmul(tape.constant(b)).value
        #expect(c.shape == [2, 3, 4, 2])
        for item in 0..<6 {
            let expected = naiveMatmul(Array(a.scalars[item * 20..<(item + 1) * 20]),
                                       Array(b.scalars[item * 10..<(item + 1) * 10]), m: 4, n: 2, k: 5)
            let received = Array(c.scalars[item * 8..<(item + 1) * 8])
            #expect(zip(expected, received).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func sharedMatrixMatchesEachItem() {
        let a = random([3, 4, 5], seed: 3), b = random([5, 6], seed: 4)
        let c = a.matmul(b)
        #expect(c.shape == [3, 4, 6])
        for item in 0..<3 {
            let expected = naiveMatmul(Array(a.scalars[item * 20..<(item + 1) * 20]), b.scalars, m: 4, n: 6, k: 5)
            let received = Array(c.scalars[item * 24..<(item + 1) * 24])
            #expect(zip(expected, received).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func gradients() {
        let cases: [(String, [Int], [Int])] = [
            ("plain", [3, 4], [4, 2]),
            ("batched", [2, 3, 4], [2, 4, 5]),
            ("batched rank 4", [2, 2, 3, 4], [2, 2, 4, 3]),
            ("shared B", [2, 3, 4], [4, 5]),
        ]
        for (seed, (name, shapeA, shapeB)) in cases.enumerated() {
            let inputs = [random(shapeA, seed: UInt64(10 + seed)), random(shapeB, seed: UInt64(20 + seed))]
            let result = gradCheck("matmul \(name)", inputs: inputs) { _, v in v[0].matmul(v[1]) }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func attentionShapedChain() {
        // scores = q · kᵀ over [B, nh, T, hs], the way attention uses matmul with transposed.
        let q = random([1, 2, 3, 4], seed: 30), k = random([1, 2, 3, 4], seed: 31)
        let result = gradCheck("q·kᵀ", inputs: [q, k]) { _, v in v[0].matmul(v[1].transposed(-2, -1)) * 0.5 }
        #expect(result.passed, "\(result)")
    }

    @Test func sharedWeightGradientSumsOverTheBatch() {
        // With B shared, dB = Σ_items Aᵢᵀ · dCᵢ: compare to the two items done separately.
        let a = random([2, 3, 4], seed: 40), b = random([4, 2], seed: 41)
        let tape = Tape()
        let vb = tape.variable(b)
        tape.backward(tape.constant(a).matmul(vb).sum())
        var expected = Tensor(zeros: [4, 2])
        for item in 0..<2 {
            let t = Tape()
            let wb = t.variable(b)
            t.backward(t.constant(Tensor(shape: [3, 4], scalars: Array(a.scalars[item * 12..<(item + 1) * 12]))).matmul(wb).sum())
            expected = expected + t.gradient(of: wb)!
        }
        #expect(maxAbsDifference(tape.gradient(of: vb)!, expected) < 1e-5)
    }
}

// Tests of the plain Tensor: creation, the printed form, reshape sharing and copy-on-write,
// and the seeded random generator (values pinned from an independent Python SplitMix64).

import Testing
@testable import Tapestry

@Suite struct TensorTests {
    @Test func creation() {
        #expect(Tensor(zeros: [2, 3]).scalars == [Float](repeating: 0, count: 6))
        #expect(Tensor(ones: [4]).scalars == [1, 1, 1, 1])
        #expect(Tensor(repeating: 2.5, shape: [1, 2]).scalars == [2.5, 2.5])
        let m = Tensor([[1, 2, 3], [4, 5, 6]])
        #expect(m.shape == [2, 3])
        #expect(m.count == 6)
        #expect(m[1, 2] == 6)
        #expect(m[flat: 4] == 5)
        #expect(m == Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        let cube = Tensor([[[1, 2]], [[3, 4]], [[5, 6]]])
        #expect(cube.shape == [3, 1, 2])
        #expect(cube[2, 0, 1] == 6)
        #expect(Tensor(7).shape == [])
        #expect(Tensor(7).item == 7)
        #expect(Int(bitPattern: m.pointer) % 64 == 0)                       // 64-byte aligned storage
    }

    @Test func descriptionOfASmallMatrix() {
        #expect(Tensor([[1, 2], [3, -4.5]]).description ==
            "tensor([[ 1.0000,  2.0000],\n        [ 3.0000, -4.5000]], shape: [2, 2])")
        #expect(Tensor(0.5).description == "tensor( 0.5000, shape: [])")
    }

    @Test func descriptionElidesALongVector() {
        let v = Tensor((0..<10).map(Float.init))
        #expect(v.description == "tensor([ 0.0000,  1.0000,  2.0000, ...,  7.0000,  8.0000,  9.0000], shape: [10])")
    }

    @Test func reshapeSharesStorageUntilWritten() {
        let original = Tensor([[1, 2], [3, 4]])
        var flat = original.reshaped([-1])
        #expect(flat.shape == [4])
        #expect(flat.storage === original.storage)
        flat[flat: 0] = 100                                                  // copy-on-write
        #expect(flat.storage !== original.storage)
        #expect(original[0, 0] == 1)
        #expect(flat.scalars == [100, 2, 3, 4])
    }

    @Test func copiesAreIndependentValues() {
        let a = Tensor([1, 2, 3])
        var b = a
        b[1] = 20
        #expect(a.scalars == [1, 2, 3])
        #expect(b.scalars == [1, 20, 3])
        var c = a
        c.withUnsafeMutableBufferPointer { $0[2] = 30 }
        #expect(a.scalars == [1, 2, 3])
    }

    @Test func splitMix64FirstValuesArePinned() {
        // Computed independently in Python:
        //   M = 2**64 - 1; s = seed
        //   s = (s + 0x9E3779B97F4A7C15) & M; z = s
        //   z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        //   z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M; out = z ^ (z >> 31)
        // Seed 0 gives 0xE220A8397B1DCDAF first, the published SplitMix64 reference value.
        var zero = RandomGenerator(seed: 0)
        #expect([zero.next(), zero.next(), zero.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var answer = RandomGenerator(seed: 42)
        #expect([answer.next(), answer.next(), answer.next()] == [0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52])
        // uniform() keeps the top 24 bits: (next >> 40) · 2⁻²⁴.
        var uniform = RandomGenerator(seed: 42)
        #expect([uniform.uniform(), uniform.uniform(), uniform.uniform()] == [0.7415648698806763, 0.1599103808403015, 0.27860110998153687])
    }

    @Test func sameSeedSameNumbers() {
        var g1 = RandomGenerator(seed: 7), g2 = RandomGenerator(seed: 7), g3 = RandomGenerator(seed: 8)
        let a = Tensor.randomNormal([100], using: &g1), b = Tensor.randomNormal([100], using: &g2)
        let c = Tensor.randomNormal([100], using: &g3)
        #expect(a == b)
        #expect(a != c)
        #expect(g1 == g2)                                                     // same state afterwards
    }

    @Test func normalHasRoughlyTheRequestedMeanAndStd() {
        var generator = RandomGenerator(seed: 2024)
        let n = 20_000
        let t = Tensor.randomNormal([n], mean: 3, std: 2, using: &generator)
        let mean = t.scalars.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = t.scalars.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        // Standard errors: 2/√n ≈ 0.014 for the mean, about 0.01 for the std; allow ~5σ.
        #expect(abs(mean - 3) < 0.07)
        #expect(abs(variance.squareRoot() - 2) < 0.05)
        let u = Tensor.randomUniform([n], low: -1, high: 1, using: &generator)
        #expect(u.scalars.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(abs(u.scalars.reduce(0, +) / Float(n)) < 0.03)
    }

    @Test func nextIntStaysBelowTheBound() {
        var generator = RandomGenerator(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<200 { let k = generator.nextInt(below: 5); #expect(k >= 0 && k < 5); seen.insert(k) }
        #expect(seen.count == 5)
    }
}

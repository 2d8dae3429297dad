// GEMM against two independent references, for all three forms and both micro-kernels:
//  - a naive triple loop summed in Double (is the math right?), and
//  - a scalar model of GEMM's rounding (is every bit right?): for each element a chain of fused
//    multiply-adds in Float, in order p = 0..<k, whatever the tiling or thread count; except the
//    narrow edge of A·Bᵀ (its last n % 16 columns), which GEMM+NarrowEdge sums as 16/g chains
//    over p mod 16/g and a tree (`edgeSum`; GEMMNarrowEdgeTests tests it on its own).

import Testing
@testable import Tapestry
import TapestryTestSupport

/// One GEMM problem with random operands, stored as the chosen form expects.
struct GEMMCase: CustomStringConvertible {
    let m: Int, n: Int, k: Int
    let transposeA: Bool, transposeB: Bool
    let a: [Float]          // [m, k], or [k, m] when transposeA
    let b: [Float]          // [k, n], or [n, k] when transposeB
    let c0: [Float]         // initial C for accumulate

    init(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, seed: UInt64) {
        self.m = m; self.n = n; self.k = k
        self.transposeA = transposeA; self.transposeB = transposeB
        var generator = RandomGenerator(seed: seed)
        a = (0..<(m * k)).map { _ in generator.normal() }
        b = (0..<(k * n)).map { _ in generator.normal() }
        c0 = (0..<(m * n)).map { _ in generator.normal() }
    }

    var description: String { "\(m)x\(n)x\(k) transposeA \(transposeA) transposeB \(transposeB)" }

    func opA(_ i: Int, _ p: Int) -> Float { transposeA ? a[p * m + i] : a[i * k + p] }
    func opB(_ p: Int, _ j: Int) -> Float { transposeB ? b[j * k + p] : b[p * n + j] }

    /// GEMM's result (optionally with an explicit B panel width, to pick the kernel).
    func run(accumulate: Bool, panelWidth: Int = GEMM.defaultPanelWidth) -> [Float] {
        var c = accumulate ? c0 : [Float](repeating: .nan, count: m * n)   // NaN: must be overwritten
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(m: m, n: n, k: k, a: a.baseAddress!, transposeA: transposeA,
                                  b: b.baseAddress!, transposeB: transposeB, c: c.baseAddress!,
                                  accumulate: accumulate, panelWidth: panelWidth)
                }
            }
        }
        return c
    }

    /// Rows that the references check: all, or (for big shapes) every 5th row and the last six,
    /// which covers full panels, the partial last panel and every column tile.
    func checkedRows(sampled: Bool) -> [Int] {
        sampled ? (0..<m).filter { $0 % 5 == 0 || $0 >= m - 6 } : Array(0..<m)
    }

    /// GEMM's rounding, bit for bit (unchecked rows stay NaN): the scalar fused-multiply-add
    /// chain, or in the narrow edge `edgeSum` added to C.
    func roundingModel(accumulate: Bool, sampled: Bool = false) -> [Float] {
        var c = [Float](repeating: .nan, count: m * n)
        let edgeWidths = narrowEdgeGroupWidths()
        for i in checkedRows(sampled: sampled) {
            for j in 0..<n {
                if let width = edgeWidths[j] {
                    let sum = edgeSum(i, j, groupWidth: width)
                    c[i * n + j] = accumulate ? c0[i * n + j] + sum : sum
                    continue
                }
                var sum: Float = accumulate ? c0[i * n + j] : 0
                for p in 0..<k { sum = sum.addingProduct(opA(i, p), opB(p, j)) }
                c[i * n + j] = sum
            }
        }
        return c
    }

    /// For each column, the width g of its narrow-edge group, or nil outside the edge. The edge
    /// is the last n % 16 columns of A·Bᵀ (plain A), in groups of 8, 4, 2, 1: the binary digits
    /// of its width, widest first.
    func narrowEdgeGroupWidths() -> [Int?] {
        var widths = [Int?](repeating: nil, count: n)
        guard transposeB, !transposeA else { return widths }
        var j = n - n % 16
        for width in [8, 4, 2, 1] where (n % 16) & width != 0 {
            for column in j..<(j + width) { widths[column] = width }
            j += width
        }
        return widths
    }

    /// An edge element of a group g columns wide: s = 16/g chains, chain d the fused
    /// multiply-adds over p = d, d + s, ... < k from 0, then summed by adjacent pairs
    /// ((c0 + c1) + (c2 + c3)) + ...
    func edgeSum(_ i: Int, _ j: Int, groupWidth g: Int) -> Float {
        var chains = [Float](repeating: 0, count: 16 / g)
        for p in 0..<k { chains[p % chains.count] = chains[p % chains.count].addingProduct(opA(i, p), opB(p, j)) }
        while chains.count > 1 {
            chains = stride(from: 0, to: chains.count, by: 2).map { chains[$0] + chains[$0 + 1] }
        }
        return chains[0]
    }

    /// Largest |GEMM − exact| / (Σ_p |a_ip b_pj| + |c0|), the exact value summed in Double.
    func maxRelativeError(_ c: [Float], accumulate: Bool, sampled: Bool = false) -> Double {
        var worst = 0.0
        for i in checkedRows(sampled: sampled) {
            for j in 0..<n {
                var exact = accumulate ? Double(c0[i * n + j]) : 0
                var scale = abs(exact)
                for p in 0..<k {
                    let product = Double(opA(i, p)) * Double(opB(p, j))
                    exact += product
                    scale += abs(product)
                }
                worst = max(worst, abs(Double(c[i * n + j]) - exact) / max(scale, 1e-30))
            }
        }
        return worst
    }
}

/// The GEMMs of one nanoGPT CPU training step (B·T = 768, C = 128, MLP 512, vocab 73) and
/// one attention head (T = 64, head size 32).
let modelGEMMShapes: [(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool)] = {
    var shapes: [(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool)] = []
    for (out, inFeatures) in [(384, 128), (128, 128), (512, 128), (128, 512), (73, 128)] {
        shapes.append((768, out, inFeatures, false, true))     // y = x · Wᵀ
        shapes.append((768, inFeatures, out, false, false))    // dX = dY · W
        shapes.append((out, inFeatures, 768, true, false))     // dW = dYᵀ · X
    }
    shapes.append((64, 64, 32, false, true))                   // scores = q · kᵀ
    shapes.append((64, 32, 64, false, false))                  // y = att · v
    return shapes
}()

@Suite struct GEMMTests {
    static let forms = [(false, false), (false, true), (true, false)]

    /// Relative error bound for Float sums of up to 768 terms (measured values are ~1e-7).
    static let tolerance = 1e-5

    // m % 6 and m % 8 take every value (the last tiles' kernels, see `tileRows`), n % 32 and
    // n % 16 vary, and n = 530 (more than 16 column panels) packs Aᵀ even with 32-wide panels.
    @Test(arguments: [(1, 1, 1), (7, 13, 5), (65, 73, 17), (6, 16, 1), (13, 33, 400), (50, 97, 800), (203, 20, 9),
                      (199, 260, 390), (9, 40, 20), (16, 64, 33), (37, 530, 50), (20, 45, 30), (73, 300, 40)])
    func smallAndOddShapesMatchReferences(size: (Int, Int, Int)) {
        let (m, n, k) = size
        for (index, form) in Self.forms.enumerated() {
            let problem = GEMMCase(m: m, n: n, k: k, transposeA: form.0, transposeB: form.1, seed: UInt64(index + 1))
            for accumulate in [false, true] {
                let expected = problem.roundingModel(accumulate: accumulate)
                for width in [16, 32] {
                    let c = problem.run(accumulate: accumulate, panelWidth: width)
                    #expect(c == expected, "\(problem) accumulate \(accumulate) panel width \(width)")
                    let error = problem.maxRelativeError(c, accumulate: accumulate)
                    #expect(error < Self.tolerance, "\(problem): relative error \(error)")
                }
            }
        }
    }

    @Test func modelShapesMatchReferences() {
        for (index, shape) in modelGEMMShapes.enumerated() {
            let problem = GEMMCase(m: shape.m, n: shape.n, k: shape.k, transposeA: shape.transposeA,
                                   transposeB: shape.transposeB, seed: UInt64(100 + index))
            let accumulate = index % 2 == 1            // both modes, without doubling the run time
            let c = problem.run(accumulate: accumulate)
            let expected = problem.roundingModel(accumulate: accumulate, sampled: true)
            let rows = problem.checkedRows(sampled: true)
            let mismatches = rows.filter { i in (0..<shape.n).contains { j in c[i * shape.n + j] != expected[i * shape.n + j] } }
            #expect(mismatches.count == 0, "\(problem): \(mismatches.count) rows differ from the rounding model, first \(mismatches.first ?? -1)")
            let error = problem.maxRelativeError(c, accumulate: accumulate, sampled: true)
            #expect(error < Self.tolerance, "\(problem): relative error \(error)")
        }
    }

    @Test func bothKernelsGiveIdenticalBits() {
        // 16-wide (AVX2) and 32-wide (AVX-512) panels tile C differently, and with 32-wide panels
        // a plain A is read in place instead of packed; the bits must agree in every form.
        for (index, form) in Self.forms.enumerated() {
            let problem = GEMMCase(m: 100, n: 200, k: 300, transposeA: form.0, transposeB: form.1, seed: UInt64(7 + index))
            #expect(problem.run(accumulate: true, panelWidth: 16) == problem.run(accumulate: true, panelWidth: 32),
                    "transposeA \(form.0), transposeB \(form.1)")
        }
    }

    @Test func tilesCoverEveryRowOnceWithAtLeastFourRowsWhereTheyCan() {
        // The row tiles of a block, as GEMM walks them: packed (6), Aᵀ in place (8) and a plain
        // A in place (6, a last 7 or 8 as one tile, 9 as 5 and 4).
        func tiles(_ rows: Int, height: Int, packed: Bool) -> [Int] {
            var result: [Int] = [], left = rows
            while left > 0 {
                let next = GEMM.tileRows(left: left, height: height, packed: packed)
                result.append(next)
                left -= next
            }
            return result
        }
        #expect(tiles(128, height: 8, packed: false) == Array(repeating: 8, count: 16))
        #expect(tiles(73, height: 8, packed: false) == Array(repeating: 8, count: 8) + [5, 4])
        #expect(tiles(19, height: 8, packed: false) == [8, 6, 5])
        #expect(tiles(128, height: 6, packed: false) == Array(repeating: 6, count: 20) + [8])
        #expect(tiles(15, height: 6, packed: false) == [6, 5, 4])
        #expect(tiles(73, height: 6, packed: true) == Array(repeating: 6, count: 12) + [1])
        for rows in 1...200 {
            for (height, packed) in [(8, false), (6, false), (6, true)] {
                let cut = tiles(rows, height: height, packed: packed)
                #expect(cut.reduce(0, +) == rows && cut.allSatisfy { $0 >= 1 && $0 <= 8 }, "\(rows) rows: \(cut)")
                if !packed && rows >= 4 {               // no tile too small to hide the FMA latency
                    #expect(cut.allSatisfy { $0 >= 4 }, "\(rows) rows, height \(height): \(cut)")
                }
            }
        }
    }

    @Test func emptyDepthZeroesOrKeepsC() {
        let problem = GEMMCase(m: 3, n: 4, k: 0, transposeA: false, transposeB: false, seed: 1)
        #expect(problem.run(accumulate: false) == [Float](repeating: 0, count: 12))
        #expect(problem.run(accumulate: true) == problem.c0)
    }

    @Test func handComputedProduct() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        GEMM.multiply(m: 2, n: 2, k: 2, a: a, transposeA: false, b: b, transposeB: false, c: &c, accumulate: false)
        #expect(c == [19, 22, 43, 50])
        GEMM.multiply(m: 2, n: 2, k: 2, a: a, transposeA: true, b: b, transposeB: true, c: &c, accumulate: true)
        // Aᵀ·Bᵀ = [1 3; 2 4] · [5 7; 6 8] = [23 31; 34 46], added to the previous C.
        #expect(c == [42, 53, 77, 96])
    }
}

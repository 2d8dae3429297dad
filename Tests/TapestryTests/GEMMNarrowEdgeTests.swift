// The narrow edge of A·Bᵀ (GEMM+NarrowEdge): its last n % 16 columns, whose lanes hold g columns
// x 16/g steps of k. Its rounding is its own (16/g chains and a tree, `GEMMCase.edgeSum`), so
// these tests pin it: every edge width and group, every k tail, both accumulate modes, against
// the scalar model and a sum worked out by hand; and the promises that come with it: a row alone
// (a KV-cache step) gets the bits of the same row in a full product, and the thread count
// changes nothing.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct GEMMNarrowEdgeTests {
    /// Runs y = x·Wᵀ for a GEMMCase with transposeB.
    static func forward(m: Int, n: Int, k: Int, seed: UInt64) -> GEMMCase {
        GEMMCase(m: m, n: n, k: k, transposeA: false, transposeB: true, seed: seed)
    }

    @Test func groupsAreTheBinaryDigitsOfTheEdgeWidestFirst() {
        func groups(_ count: Int) -> [Int] {
            var widths: [Int] = [], first = 0
            while first < count {
                widths.append(GEMM.edgeGroupWidth(first: first, count: count))
                first += widths.last!
            }
            return widths
        }
        #expect(groups(9) == [8, 1])            // lm_head: 73 = 64 + 9
        #expect(groups(15) == [8, 4, 2, 1])
        #expect(groups(6) == [4, 2])
        #expect(groups(1) == [1])
        for count in 1...15 {
            #expect(groups(count) == [8, 4, 2, 1].filter { count & $0 != 0 }, "edge of \(count)")
        }
    }

    /// Every edge width (n % 16 = 1...15, with and without 16 columns before it), and k with every
    /// tail a group can have (k % 2, % 4, % 8, % 16), over 1-17 rows (a partial 8-row tile, and an
    /// odd tile of the single column's 16-row tree).
    @Test(arguments: [1, 2, 3, 4, 5, 7, 8, 9, 11, 13, 15])
    func everyEdgeWidthMatchesTheModel(edge: Int) {
        let shapes = [(edge, 16, 1), (16 + edge, 37, 9), (edge, 128, 17), (32 + edge, 3, 8), (edge, 1, 5),
                      (16 + edge, 130, 16)]
        for (n, k, m) in shapes {
            let problem = Self.forward(m: m, n: n, k: k, seed: UInt64(n * 1000 + k))
            for accumulate in [false, true] {
                let expected = problem.roundingModel(accumulate: accumulate)
                for width in [16, 32] {
                    let c = problem.run(accumulate: accumulate, panelWidth: width)
                    #expect(c == expected, "\(problem) accumulate \(accumulate) panel width \(width)")
                }
                let error = problem.maxRelativeError(problem.run(accumulate: accumulate), accumulate: accumulate)
                #expect(error < GEMMTests.tolerance, "\(problem): relative error \(error)")
            }
        }
    }

    @Test func singleColumnSumsChainsByHand() {
        // n = 1: one column, 16 chains over p mod 16. A = [2^24, 1, 0, ..., 0, -2^24] (k = 17),
        // B all ones: chain 0 is 2^24 - 2^24 = 0 and chain 1 is 1, so the sum is exactly 1. One
        // chain in order would give 0: 2^24 + 1 rounds back to 2^24 in Float.
        var a = [Float](repeating: 0, count: 17)
        a[0] = 16_777_216; a[1] = 1; a[16] = -16_777_216
        let b = [Float](repeating: 1, count: 17)
        var c: [Float] = [.nan]
        GEMM.multiply(m: 1, n: 1, k: 17, a: a, transposeA: false, b: b, transposeB: true, c: &c, accumulate: false)
        #expect(c == [1])
        var ordered: Float = 0
        for p in 0..<17 { ordered = ordered.addingProduct(a[p], b[p]) }
        #expect(ordered == 0)
    }

    @Test func eightColumnsPairStepsOfKByHand() {
        // n = 8: one group of 8, each column 2 chains (even p, odd p). A = [1, 2^24, 1, -2^24]
        // (k = 4), B rows all ones: the even chain is 1 + 1 = 2 and the odd one 2^24 - 2^24 = 0,
        // so every column is 2. In order: 1 + 2^24 rounds to 2^24, + 1 again, - 2^24 gives 0.
        let a: [Float] = [1, 16_777_216, 1, -16_777_216]
        let b = [Float](repeating: 1, count: 8 * 4)
        var c = [Float](repeating: .nan, count: 8)
        GEMM.multiply(m: 1, n: 8, k: 4, a: a, transposeA: false, b: b, transposeB: true, c: &c, accumulate: false)
        #expect(c == [Float](repeating: 2, count: 8))
    }

    @Test func aRowAloneGetsTheBitsOfTheFullProduct() {
        // A KV-cache step multiplies one row (m = 1) by lm_head; it must match that row of the
        // full forward bit for bit, in the edge as everywhere.
        let full = Self.forward(m: 40, n: 73, k: 128, seed: 5)
        let c = full.run(accumulate: false)
        for i in [0, 7, 8, 23, 39] {
            var alone = [Float](repeating: .nan, count: 73)
            let a = Array(full.a[(i * 128)..<((i + 1) * 128)])
            GEMM.multiply(m: 1, n: 73, k: 128, a: a, transposeA: false, b: full.b, transposeB: true, c: &alone,
                          accumulate: false)
            #expect(alone == Array(c[(i * 73)..<((i + 1) * 73)]), "row \(i)")
        }
    }

    @Test func threadCountChangesNoBit() {
        // lm_head's forward at the model's size, split over 1, 2 and 3 threads (row panels).
        let problem = Self.forward(m: 768, n: 73, k: 128, seed: 11)
        let results = [1, 2, 3].map { threads in withThreadCount(threads) { problem.run(accumulate: true) } }
        #expect(results[0] == results[1] && results[0] == results[2])
        #expect(results[0] == problem.roundingModel(accumulate: true))
    }
}

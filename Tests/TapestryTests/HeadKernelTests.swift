// HeadKernel.rowsTimesMatrix, the one product form of attention's kernels, against the promise
// in its doc comment, bit for bit: each output element is one chain of fused multiply-adds
// over p from 0, then scaled, then added to `out` when accumulating; nothing outside the
// block's rows and columns is written. Both column widths run here (`wide`: 32 columns at a
// time, the AVX-512 path; not wide: 16 at a time, the AVX2 path), whatever this CPU has.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct HeadKernelTests {
    /// (rows, columns n, depth k): 1 row (the KV-cache step) and blocks of 2...6 rows; n a
    /// multiple of 32, of 16 only, and neither (the last vector partly stored).
    static let sizes = [(1, 32, 32), (1, 20, 7), (2, 17, 64), (3, 16, 1), (5, 48, 5), (6, 64, 32), (6, 40, 9)]

    @Test(arguments: sizes)
    func everyElementIsOneFMAChainThenScaled(size: (Int, Int, Int)) {
        let (rows, n, k) = size
        var generator = RandomGenerator(seed: UInt64(rows * 1000 + n * 10 + k))
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in generator.normal() } }
        // The rows of A read along a row (step 1) or down a column (step = the row length).
        let a = random(8 * (k + 8)), stride = (n + 15) / 16 * 16 + 16, m = random(k * stride)
        let outStride = n + 5, start = random(8 * outStride)                     // 8 rows: 2 past the block
        for (rowStride, step) in [(k + 3, 1), (1, 8)] {
            for wide in [true, false] {
                for accumulate in [false, true] {
                    var out = start
                    a.withUnsafeBufferPointer { a in
                        m.withUnsafeBufferPointer { m in
                            out.withUnsafeMutableBufferPointer { out in
                                HeadKernel.rowsTimesMatrix(rows: rows, a.baseAddress!, rowStride: rowStride, step: step,
                                                           count: k, m.baseAddress!, stride: stride, columns: n,
                                                           scale: 0.375, into: out.baseAddress!, outStride: outStride,
                                                           accumulate: accumulate, wide: wide)
                            }
                        }
                    }
                    var expected = start
                    for r in 0..<rows {
                        for j in 0..<n {
                            var sum: Float = 0
                            for p in 0..<k { sum.addProduct(a[r * rowStride + p * step], m[p * stride + j]) }
                            let scaled = sum * 0.375
                            expected[r * outStride + j] = accumulate ? scaled + start[r * outStride + j] : scaled
                        }
                    }
                    #expect(out == expected, "rows \(rows) n \(n) k \(k) step \(step) wide \(wide) accumulate \(accumulate)")
                }
            }
        }
    }
}

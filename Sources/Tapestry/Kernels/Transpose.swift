// Transpose: the transpose of a 16x16 block of floats, in registers.
//
// What it is: sixteen 16-float loads, four rounds of shuffles, sixteen stores. Each round
// "unzips" pairs of rows (the even elements of two rows laid end to end, then the odd ones):
// read element (row r, column c) as the 8-bit number 16r + c, and one round moves it to that
// number rotated right by one bit; after four rounds the row bits and the column bits have
// traded places, which is the transpose. Every round is 16 two-source shuffles (vpermt2ps with
// AVX-512), so a block costs 64 shuffles: about 0.25 cycles per float where the scalar copy,
// one float at a time down a column, cost ~1.4.
// Who uses it: GEMM's packing of a transposed B (every forward y = x·Wᵀ) and attention's Kᵀ
// and Vᵀ gathers.
// Example: rows (0 1 ... 15), (16 17 ... 31), ... become columns: row 0 of the result is
// (0 16 32 ... 240).

extension Kernels {
    /// Writes the transpose of the 16x16 block at `source` (rows `rowStride` apart; rows past
    /// `rows` read as zeros) to `target` (rows `targetStride` apart).
    ///
    /// Four rounds of "unzip" (see the file header). Inlined wherever the optimizer sees the
    /// caller (release builds): called out of line, lm_head's forward product read 4 points of
    /// peak lower in `bench gemm` (70.5% against 74.5%), a cost not pinned down further.
    @inline(__always)
    static func transposeBlock16(_ source: UnsafePointer<Float>, rowStride: Int, rows: Int,
                                 into target: UnsafeMutablePointer<Float>, rowStride targetStride: Int) {
        if rows == 16 {                  // the usual case, with a constant: no test per row
            transpose(source, rowStride: rowStride, rows: 16, into: target, rowStride: targetStride)
        } else {
            transpose(source, rowStride: rowStride, rows: rows, into: target, rowStride: targetStride)
        }
    }

    @inline(__always)
    private static func transpose(_ source: UnsafePointer<Float>, rowStride: Int, rows: Int,
                                  into target: UnsafeMutablePointer<Float>, rowStride targetStride: Int) {
        typealias V = SIMD16<Float>
        @inline(__always) func row(_ r: Int) -> V { r < rows ? V(loading: source + r * rowStride) : V() }
        // Lane by lane rather than SIMD32's evenHalf/oddHalf: those are loops that the
        // optimizer did not always inline (each became a call, and the step 2% slower), while
        // lanes built from lanes always fold into one two-source shuffle (vpermt2ps).
        @inline(__always) func unzip(_ a: V, _ b: V) -> (V, V) {
            (V(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14]),
             V(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15], b[1], b[3], b[5], b[7], b[9], b[11], b[13], b[15]))
        }
        var v = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7),
                 row(8), row(9), row(10), row(11), row(12), row(13), row(14), row(15))
        for _ in 0..<4 {
            let (e0, o0) = unzip(v.0, v.1), (e1, o1) = unzip(v.2, v.3)
            let (e2, o2) = unzip(v.4, v.5), (e3, o3) = unzip(v.6, v.7)
            let (e4, o4) = unzip(v.8, v.9), (e5, o5) = unzip(v.10, v.11)
            let (e6, o6) = unzip(v.12, v.13), (e7, o7) = unzip(v.14, v.15)
            v = (e0, e1, e2, e3, e4, e5, e6, e7, o0, o1, o2, o3, o4, o5, o6, o7)
        }
        v.0.store(to: target); v.1.store(to: target + targetStride)
        v.2.store(to: target + 2 * targetStride); v.3.store(to: target + 3 * targetStride)
        v.4.store(to: target + 4 * targetStride); v.5.store(to: target + 5 * targetStride)
        v.6.store(to: target + 6 * targetStride); v.7.store(to: target + 7 * targetStride)
        v.8.store(to: target + 8 * targetStride); v.9.store(to: target + 9 * targetStride)
        v.10.store(to: target + 10 * targetStride); v.11.store(to: target + 11 * targetStride)
        v.12.store(to: target + 12 * targetStride); v.13.store(to: target + 13 * targetStride)
        v.14.store(to: target + 14 * targetStride); v.15.store(to: target + 15 * targetStride)
    }
}

// Loads and stores of 16 floats at any address (vmovups). A fileprivate copy, like those of the
// GEMM files: the debug build compiles one file at a time and never inlines across files.
fileprivate extension SIMD16 where Scalar == Float {
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}

// GEMM+MicroKernel: the register-tile kernels, the only place where GEMM does arithmetic.
//
// A micro-kernel computes a tile of up to 8 rows of C (6 as a rule) from one A panel (those rows
// of op(A), `APanel`: packed [depth][6], or read in place from a plain A or from Aᵀ) and one B
// panel [depth][width] whose rows are `ldb` floats apart (width when packed, n when read in place
// from a plain B). For each step p of k it loads one row of the B panel into SIMD16 registers,
// broadcasts the values op(A)[r, p] (at fixed offsets from one pointer that moves by the panel's
// step), and does one fused multiply-add per accumulator.
// The accumulators are named locals so that LLVM keeps every one in a register for the whole
// loop; C is touched only before (to continue a sum) and after (to store it).
//
// Why two tile widths: the tile must fill the vector registers without spilling.
//   6x32 = 12 SIMD16 accumulators: with AVX-512 (32 zmm registers) that is 12 registers, the
//          shape that reaches ~93% of peak on Zen 4 (PERF.md).
//   6x16 = 6 SIMD16 accumulators: with AVX2 (16 ymm registers, Zen 3) a SIMD16 is two ymm,
//          so this is 12 registers plus 2 for B and 1 broadcast; 6x32 would spill. On AVX-512
//          machines the 6x16 kernel serves the edge panel when N % 32 is 1...16.
//
// Tiles of other heights run the same loop with only their rows' accumulators (`kernelRows`):
// - with AVX2, a last row panel of 1...5 rows (the packed panel is zero-padded to 6 rows, but
//   the padding is never multiplied);
// - with AVX-512, whose 32 registers hold up to 16 accumulators (8x32): 8-row tiles when A is
//   read transposed in place (the dW products) and in a 16-wide edge panel (8x16: eight
//   accumulators, as many as the FMA latency needs), and last tiles of 4-8 rows instead of 1-3
//   (see `tileRows`). A 1- or 2-row tile has only 2 or 4 accumulators, too few to hide the FMA
//   latency, and ran at a quarter to half speed (m = 73 and 128 have such remainders).
//
// Determinism: all kernels compute every element of C the same way, one chain of fused
// multiply-adds in order p = 0, 1, 2, ... starting from C (or 0), so the result for an element
// never depends on which kernel, tile or thread computed it. (The narrow edge of A·Bᵀ is not
// computed here: see GEMM+NarrowEdge.)

extension GEMM {
    typealias Vector = SIMD16<Float>

    /// Where the 6 (or fewer) rows of op(A) that a tile multiplies live: element (r, p) is at
    /// `start + r·rowStride + p·step`. A packed panel [depth][6] is (1, 6); rows of a plain A
    /// [m, k] read in place are (k, 1).
    struct APanel {
        let start: UnsafePointer<Float>
        let rowStride: Int
        let step: Int

        /// A panel packed [depth][6].
        static func packed(_ start: UnsafePointer<Float>) -> APanel { APanel(start: start, rowStride: 1, step: panelRows) }
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> Vector { Vector(loading: pointer) }

    @inline(__always)
    private static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) { value.store(to: pointer) }

    /// C[r, 0..<16] = (continueSum ? C[r, 0..<16] : 0) + Σ_p A(r, p) · b[p][0..<16] for r in 0..<6,
    /// where A(r, p) is element (r, p) of the panel `a`, b a panel with row stride `ldb`, and
    /// `ldc` the row stride of C.
    @inline(never)
    static func kernel6x16(depth: Int, a: APanel,
                           b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        tile16(rows: 6, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
    }

    /// The same for a 32-wide panel.
    @inline(never)
    static func kernel6x32(depth: Int, a: APanel,
                           b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        tile32(rows: 6, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
    }

    /// A tile of 1...5, 7 or 8 rows (see `tileRows`): only rows 0..<rows of the tile are
    /// computed, loaded and stored. One specialized loop per row count (`rows` is a constant in
    /// each inlined copy).
    @inline(never)
    static func kernelRows(_ rows: Int, width: Int, depth: Int, a: APanel,
                           b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        switch (rows, width) {
        case (1, 32): tile32(rows: 1, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (2, 32): tile32(rows: 2, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (3, 32): tile32(rows: 3, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (4, 32): tile32(rows: 4, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (5, 32): tile32(rows: 5, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (7, 32): tile32(rows: 7, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (8, 32): tile32(rows: 8, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (1, _): tile16(rows: 1, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (2, _): tile16(rows: 2, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (3, _): tile16(rows: 3, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (4, _): tile16(rows: 4, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (5, _): tile16(rows: 5, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        case (7, _): tile16(rows: 7, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        default: tile16(rows: 8, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        }
    }

    /// C[r, 0..<16] (+)= Σ_p A(r, p) · b[p][0..<16] for r in 0..<rows (rows ≤ 8). Always inlined
    /// with a constant `rows`, so the `rows > r` tests fold away and unused accumulators vanish.
    @inline(__always)
    private static func tile16(rows: Int, depth: Int, a: APanel,
                               b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
        var c6 = Vector(), c7 = Vector()
        if continueSum {
            c0 = load(c)
            if rows > 1 { c1 = load(c + ldc) }
            if rows > 2 { c2 = load(c + 2 * ldc) }
            if rows > 3 { c3 = load(c + 3 * ldc) }
            if rows > 4 { c4 = load(c + 4 * ldc) }
            if rows > 5 { c5 = load(c + 5 * ldc) }
            if rows > 6 { c6 = load(c + 6 * ldc) }
            if rows > 7 { c7 = load(c + 7 * ldc) }
        }
        let (r1, r2, r3, r4, r5) = (a.rowStride, 2 * a.rowStride, 3 * a.rowStride, 4 * a.rowStride, 5 * a.rowStride)
        let (r6, r7) = (6 * a.rowStride, 7 * a.rowStride)
        var p = a.start, b = b
        for _ in 0..<depth {
            let b0 = load(b)
            c0.addProduct(Vector(repeating: p[0]), b0)
            if rows > 1 { c1.addProduct(Vector(repeating: p[r1]), b0) }
            if rows > 2 { c2.addProduct(Vector(repeating: p[r2]), b0) }
            if rows > 3 { c3.addProduct(Vector(repeating: p[r3]), b0) }
            if rows > 4 { c4.addProduct(Vector(repeating: p[r4]), b0) }
            if rows > 5 { c5.addProduct(Vector(repeating: p[r5]), b0) }
            if rows > 6 { c6.addProduct(Vector(repeating: p[r6]), b0) }
            if rows > 7 { c7.addProduct(Vector(repeating: p[r7]), b0) }
            p += a.step
            b += ldb
        }
        store(c0, c)
        if rows > 1 { store(c1, c + ldc) }
        if rows > 2 { store(c2, c + 2 * ldc) }
        if rows > 3 { store(c3, c + 3 * ldc) }
        if rows > 4 { store(c4, c + 4 * ldc) }
        if rows > 5 { store(c5, c + 5 * ldc) }
        if rows > 6 { store(c6, c + 6 * ldc) }
        if rows > 7 { store(c7, c + 7 * ldc) }
    }

    /// C[r, 0..<32] (+)= Σ_p A(r, p) · b[p][0..<32] for r in 0..<rows (rows ≤ 8), like `tile16`.
    @inline(__always)
    private static func tile32(rows: Int, depth: Int, a: APanel,
                               b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
        var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
        var c60 = Vector(), c61 = Vector(), c70 = Vector(), c71 = Vector()
        if continueSum {
            c00 = load(c); c01 = load(c + 16)
            if rows > 1 { c10 = load(c + ldc); c11 = load(c + ldc + 16) }
            if rows > 2 { c20 = load(c + 2 * ldc); c21 = load(c + 2 * ldc + 16) }
            if rows > 3 { c30 = load(c + 3 * ldc); c31 = load(c + 3 * ldc + 16) }
            if rows > 4 { c40 = load(c + 4 * ldc); c41 = load(c + 4 * ldc + 16) }
            if rows > 5 { c50 = load(c + 5 * ldc); c51 = load(c + 5 * ldc + 16) }
            if rows > 6 { c60 = load(c + 6 * ldc); c61 = load(c + 6 * ldc + 16) }
            if rows > 7 { c70 = load(c + 7 * ldc); c71 = load(c + 7 * ldc + 16) }
        }
        let (r1, r2, r3, r4, r5) = (a.rowStride, 2 * a.rowStride, 3 * a.rowStride, 4 * a.rowStride, 5 * a.rowStride)
        let (r6, r7) = (6 * a.rowStride, 7 * a.rowStride)
        var p = a.start, b = b
        for _ in 0..<depth {
            let b0 = load(b), b1 = load(b + 16)
            var a0 = Vector(repeating: p[0])
            c00.addProduct(a0, b0); c01.addProduct(a0, b1)
            if rows > 1 { a0 = Vector(repeating: p[r1]); c10.addProduct(a0, b0); c11.addProduct(a0, b1) }
            if rows > 2 { a0 = Vector(repeating: p[r2]); c20.addProduct(a0, b0); c21.addProduct(a0, b1) }
            if rows > 3 { a0 = Vector(repeating: p[r3]); c30.addProduct(a0, b0); c31.addProduct(a0, b1) }
            if rows > 4 { a0 = Vector(repeating: p[r4]); c40.addProduct(a0, b0); c41.addProduct(a0, b1) }
            if rows > 5 { a0 = Vector(repeating: p[r5]); c50.addProduct(a0, b0); c51.addProduct(a0, b1) }
            if rows > 6 { a0 = Vector(repeating: p[r6]); c60.addProduct(a0, b0); c61.addProduct(a0, b1) }
            if rows > 7 { a0 = Vector(repeating: p[r7]); c70.addProduct(a0, b0); c71.addProduct(a0, b1) }
            p += a.step
            b += ldb
        }
        store(c00, c); store(c01, c + 16)
        if rows > 1 { store(c10, c + ldc); store(c11, c + ldc + 16) }
        if rows > 2 { store(c20, c + 2 * ldc); store(c21, c + 2 * ldc + 16) }
        if rows > 3 { store(c30, c + 3 * ldc); store(c31, c + 3 * ldc + 16) }
        if rows > 4 { store(c40, c + 4 * ldc); store(c41, c + 4 * ldc + 16) }
        if rows > 5 { store(c50, c + 5 * ldc); store(c51, c + 5 * ldc + 16) }
        if rows > 6 { store(c60, c + 6 * ldc); store(c61, c + 6 * ldc + 16) }
        if rows > 7 { store(c70, c + 7 * ldc); store(c71, c + 7 * ldc + 16) }
    }
}

// Loads and stores of 16 floats at any address (vmovups). Each kernel file has its own
// fileprivate copy on purpose: the debug build that `swift run` and `swift test` use compiles
// one file at a time and never inlines a function from another file, even one marked
// @inline(__always) or @_transparent, so a shared helper would become a call per vector.
fileprivate extension SIMD16 where Scalar == Float {
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}

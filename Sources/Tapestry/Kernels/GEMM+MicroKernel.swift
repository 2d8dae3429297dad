// GEMM+MicroKernel: the two register-tile kernels, the only place where GEMM does arithmetic.
//
// A micro-kernel computes a 6-row tile of C from one packed A panel [depth][6] and one B panel
// [depth][width] whose rows are `ldb` floats apart (width when packed, n when read in place from
// a plain B). For each step p of k it loads one row of the B panel into SIMD16
// registers, broadcasts the six values op(A)[r, p] (six consecutive floats of the A panel, read
// at fixed offsets from one pointer), and does one fused multiply-add per accumulator.
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
// Determinism: both kernels compute every element of C the same way, one chain of fused
// multiply-adds in order p = 0, 1, 2, ... starting from C (or 0), so the result for an element
// never depends on which kernel, tile or thread computed it.

extension GEMM {
    typealias Vector = SIMD16<Float>

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> Vector { Vector(loading: pointer) }

    @inline(__always)
    private static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) { value.store(to: pointer) }

    /// C[r, 0..<16] = (continueSum ? C[r, 0..<16] : 0) + Σ_p a[p][r] · b[p][0..<16] for r in 0..<6,
    /// where a is a packed panel [depth][6], b a panel with row stride `ldb`, and `ldc` the row
    /// stride of C.
    @inline(never)
    static func kernel6x16(depth: Int, a: UnsafePointer<Float>,
                           b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
        if continueSum {
            c0 = load(c); c1 = load(c + ldc); c2 = load(c + 2 * ldc)
            c3 = load(c + 3 * ldc); c4 = load(c + 4 * ldc); c5 = load(c + 5 * ldc)
        }
        var a = a, b = b
        for _ in 0..<depth {
            let b0 = load(b)
            c0.addProduct(Vector(repeating: a[0]), b0)
            c1.addProduct(Vector(repeating: a[1]), b0)
            c2.addProduct(Vector(repeating: a[2]), b0)
            c3.addProduct(Vector(repeating: a[3]), b0)
            c4.addProduct(Vector(repeating: a[4]), b0)
            c5.addProduct(Vector(repeating: a[5]), b0)
            a += panelRows
            b += ldb
        }
        store(c0, c); store(c1, c + ldc); store(c2, c + 2 * ldc)
        store(c3, c + 3 * ldc); store(c4, c + 4 * ldc); store(c5, c + 5 * ldc)
    }

    /// C[r, 0..<32] = (continueSum ? C[r, 0..<32] : 0) + Σ_p a[p][r] · b[p][0..<32] for r in 0..<6,
    /// where a is a packed panel [depth][6], b a panel with row stride `ldb`, and `ldc` the row
    /// stride of C.
    @inline(never)
    static func kernel6x32(depth: Int, a: UnsafePointer<Float>,
                           b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
        var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
        var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
        if continueSum {
            c00 = load(c); c01 = load(c + 16)
            c10 = load(c + ldc); c11 = load(c + ldc + 16)
            c20 = load(c + 2 * ldc); c21 = load(c + 2 * ldc + 16)
            c30 = load(c + 3 * ldc); c31 = load(c + 3 * ldc + 16)
            c40 = load(c + 4 * ldc); c41 = load(c + 4 * ldc + 16)
            c50 = load(c + 5 * ldc); c51 = load(c + 5 * ldc + 16)
        }
        var a = a, b = b
        for _ in 0..<depth {
            let b0 = load(b), b1 = load(b + 16)
            var a0 = Vector(repeating: a[0])
            c00.addProduct(a0, b0); c01.addProduct(a0, b1)
            a0 = Vector(repeating: a[1])
            c10.addProduct(a0, b0); c11.addProduct(a0, b1)
            a0 = Vector(repeating: a[2])
            c20.addProduct(a0, b0); c21.addProduct(a0, b1)
            a0 = Vector(repeating: a[3])
            c30.addProduct(a0, b0); c31.addProduct(a0, b1)
            a0 = Vector(repeating: a[4])
            c40.addProduct(a0, b0); c41.addProduct(a0, b1)
            a0 = Vector(repeating: a[5])
            c50.addProduct(a0, b0); c51.addProduct(a0, b1)
            a += panelRows
            b += ldb
        }
        store(c00, c); store(c01, c + 16)
        store(c10, c + ldc); store(c11, c + ldc + 16)
        store(c20, c + 2 * ldc); store(c21, c + 2 * ldc + 16)
        store(c30, c + 3 * ldc); store(c31, c + 3 * ldc + 16)
        store(c40, c + 4 * ldc); store(c41, c + 4 * ldc + 16)
        store(c50, c + 5 * ldc); store(c51, c + 5 * ldc + 16)
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

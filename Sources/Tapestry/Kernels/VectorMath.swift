// VectorMath: exp, tanh and erf on SIMD16<Float> and on buffers, as polynomials with FMAs.
//
// What it is: branch-free SIMD versions of three libm functions, for softmax, GELU and friends.
// Foundation's `exp` and `erf` on Float are scalar calls that never vectorize. Measured on one
// AVX2 core (`bench vectormath`): exp 2.3 G elements/s against Foundation's 0.29, erf 0.9
// against 0.07. (With AVX-512 a SIMD16 operation is one instruction instead of two; PERF.md
// measured exp at 4.8 G elements/s there.) Accuracy against libm in Double over dense ranges
// (VectorMathTests): exp within 1 ulp (0.998); tanh within 7.6e-8 and erf within 6.2e-8
// absolute, about half an ulp of 1.
// What it is not: correctly rounded, or fast for single scalars (a scalar call evaluates a
// whole SIMD16, so that it gives exactly the bits a vector lane would).
//
// The buffer functions process 16 elements at a time and pad the last partial group into a
// SIMD16, so element i gets the same bits whatever the count.

/// Vectorized transcendental functions for the elementwise and row-wise kernels.
public enum VectorMath {
    /// eˣ for each lane.
    ///
    /// Range reduction: x = n·ln2 + r with n = round(x / ln2), |r| ≤ ln2/2, so eˣ = 2ⁿ · eʳ,
    /// and eʳ ≈ 1 + r + r²·P(r) (Cephes expf). 2ⁿ is built from exponent bits in two halves,
    /// 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), so that subnormal results and overflow come out right:
    /// x < −103.9 gives 0, x > 88.723 gives +inf, NaN stays NaN.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Clamp to where the result is 0 or inf anyway (NaN compares false and passes through).
        var x = x.replacing(with: -104, where: x .< -104)
        x.replace(with: 88.8, where: x .> 88.8)
        // Adding 1.5·2²³ rounds x/ln2 to an integer n, which lands in the low mantissa bits.
        let shifter = SIMD16<Float>(repeating: 12_582_912)
        let shifted = shifter.addingProduct(x, SIMD16(repeating: 1.442_695_04))      // 1/ln2
        let n = shifted - shifter
        // r = x − n·ln2, with ln2 split in two so that no bits of r are lost.
        var r = x.addingProduct(n, SIMD16(repeating: -0.693_145_751_953_125))
        r = r.addingProduct(n, SIMD16(repeating: -1.428_606_765_330_187e-6))
        var p = SIMD16<Float>(repeating: 1.987_569_150_0e-4)
        p = horner(p, r, 1.398_199_950_7e-3)
        p = horner(p, r, 8.333_451_907_3e-3)
        p = horner(p, r, 4.166_579_589_4e-2)
        p = horner(p, r, 1.666_666_545_9e-1)
        p = horner(p, r, 5.000_000_120_1e-1)
        let expR = r.addingProduct(p, r * r) + 1
        // 2ⁿ = 2^n1 · 2^n2: each factor has a biased exponent in 52...191, always a normal float.
        let integerN = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let n1 = integerN &>> 1
        let n2 = integerN &- n1
        let scale1 = unsafeBitCast((n1 &+ 127) &<< 23, to: SIMD16<Float>.self)
        let scale2 = unsafeBitCast((n2 &+ 127) &<< 23, to: SIMD16<Float>.self)
        return expR * scale1 * scale2
    }

    /// tanh(x) for each lane.
    ///
    /// On |x|, with the sign of x put back (tanh is odd; this also keeps tanh(−0) = −0):
    /// |x| < 0.625: tanh t ≈ t + t·z·P(z) with z = t² (Cephes tanhf); otherwise
    /// tanh t = 1 − 2 / (e^(2t) + 1), which tends to exactly 1.
    @inlinable @inline(__always)
    public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let (magnitude, sign) = splitSign(x)
        let large = 1 - 2 / (exp(magnitude + magnitude) + 1)
        let z = magnitude * magnitude
        var p = SIMD16<Float>(repeating: -5.704_988_727_45e-3)
        p = horner(p, z, 2.063_908_879_54e-2)
        p = horner(p, z, -5.373_971_555_31e-2)
        p = horner(p, z, 1.333_144_220_36e-1)
        p = horner(p, z, -3.333_328_194_22e-1)
        let small = magnitude.addingProduct(magnitude * z, p)
        return withSign(small.replacing(with: large, where: magnitude .>= 0.625), sign)
    }

    /// erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt for each lane.
    ///
    /// |x| < 0.921875: erf x = x + x·P(x²). Otherwise erf|x| = 1 − e^Q(|x|), where
    /// Q(t) ≈ log erfc(t) on [0.921875, 4] (erfc(4) = 1.5e-8 already rounds 1 − erfc to 1).
    /// Coefficients: weighted minimax fits (Lawson iterations against mpmath), max error in
    /// exact arithmetic 7e-9 and 4e-11; float32 evaluation brings it to about ½ ulp of 1.
    // @_transparent rather than @inline(__always): in release the optimizer still called the
    // latter once per vector from GELU's loop (a 64-byte argument and result through memory,
    // every constant reloaded); this one it always inlines.
    @_transparent
    public static func erf(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let (magnitude, sign) = splitSign(x)
        let s = x * x
        var p = SIMD16<Float>(repeating: -5.834_932_090e-4)
        p = horner(p, s, 4.956_392_571e-3)
        p = horner(p, s, -2.673_497_610e-2)
        p = horner(p, s, 1.128_062_159e-1)
        p = horner(p, s, -3.761_230_707e-1)
        p = horner(p, s, 1.283_790_618e-1)
        let small = x.addingProduct(x, p)
        let t = magnitude.replacing(with: 4, where: magnitude .> 4)
        var q = SIMD16<Float>(repeating: -2.118_406_155e-5)
        q = horner(q, t, 4.354_757_548e-4)
        q = horner(q, t, -4.175_891_634e-3)
        q = horner(q, t, 2.513_192_222e-2)
        q = horner(q, t, -1.082_990_617e-1)
        q = horner(q, t, -6.333_299_875e-1)
        q = horner(q, t, -1.129_523_158)
        q = horner(q, t, 1.763_582_404e-4)
        let large = 1 - exp(q)
        return small.replacing(with: withSign(large, sign), where: magnitude .>= 0.921_875)
    }

    /// eˣ of one Float, bit-identical to a lane of the SIMD16 version.
    public static func exp(_ x: Float) -> Float { exp(SIMD16(repeating: x))[0] }
    /// tanh(x) of one Float, bit-identical to a lane of the SIMD16 version.
    public static func tanh(_ x: Float) -> Float { tanh(SIMD16(repeating: x))[0] }
    /// erf(x) of one Float, bit-identical to a lane of the SIMD16 version.
    public static func erf(_ x: Float) -> Float { erf(SIMD16(repeating: x))[0] }

    // The buffer forms. Each spells out its own loop: a shared helper taking the function as a
    // closure was merged by the optimizer into one loop calling through a function pointer.

    /// y[i] = eˣ⁽ⁱ⁾ for i in 0..<count (x and y may be the same buffer).
    public static func exp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let whole = count / 16 * 16
        for i in stride(from: 0, to: whole, by: 16) { exp(SIMD16(loading: x + i)).store(to: y + i) }
        if whole < count { storeTail(exp(loadTail(x + whole, count - whole)), y + whole, count - whole) }
    }

    /// y[i] = tanh(x[i]) for i in 0..<count (x and y may be the same buffer).
    public static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let whole = count / 16 * 16
        for i in stride(from: 0, to: whole, by: 16) { tanh(SIMD16(loading: x + i)).store(to: y + i) }
        if whole < count { storeTail(tanh(loadTail(x + whole, count - whole)), y + whole, count - whole) }
    }

    /// y[i] = erf(x[i]) for i in 0..<count (x and y may be the same buffer).
    public static func erf(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let whole = count / 16 * 16
        for i in stride(from: 0, to: whole, by: 16) { erf(SIMD16(loading: x + i)).store(to: y + i) }
        if whole < count { storeTail(erf(loadTail(x + whole, count - whole)), y + whole, count - whole) }
    }

    /// The first `count` (< 16) floats at `x`, zero-padded to a SIMD16.
    static func loadTail(_ x: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
        var lanes = SIMD16<Float>()
        for lane in 0..<count { lanes[lane] = x[lane] }
        return lanes
    }

    /// Stores the first `count` (< 16) lanes of `lanes` at `y`.
    static func storeTail(_ lanes: SIMD16<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        for lane in 0..<count { y[lane] = lanes[lane] }
    }

    /// One Horner step with a fused multiply-add: p·x + c.
    @usableFromInline @inline(__always)
    static func horner(_ p: SIMD16<Float>, _ x: SIMD16<Float>, _ c: Float) -> SIMD16<Float> {
        SIMD16(repeating: c).addingProduct(p, x)
    }

    /// |x| and the sign bits of x.
    @usableFromInline @inline(__always)
    static func splitSign(_ x: SIMD16<Float>) -> (magnitude: SIMD16<Float>, sign: SIMD16<UInt32>) {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        return (unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD16<Float>.self), bits & 0x8000_0000)
    }

    /// `magnitude` (non-negative) with the given sign bits.
    @usableFromInline @inline(__always)
    static func withSign(_ magnitude: SIMD16<Float>, _ sign: SIMD16<UInt32>) -> SIMD16<Float> {
        unsafeBitCast(unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) | sign, to: SIMD16<Float>.self)
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

// VectorMath: exp, tanh and erf on SIMD16<Float> and on buffers.
// (Placeholder calling libm lane by lane; the kernels work replaces the bodies with
// polynomial SIMD versions. The signatures are what ops call.)

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Vectorized transcendental functions for the elementwise and row-wise kernels.
public enum VectorMath {
    /// eˣ for each lane.
    @inlinable public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var y = SIMD16<Float>()
        for i in 0..<16 { y[i] = expf(x[i]) }
        return y
    }

    /// tanh(x) for each lane.
    @inlinable public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var y = SIMD16<Float>()
        for i in 0..<16 { y[i] = tanhf(x[i]) }
        return y
    }

    /// erf(x) for each lane.
    @inlinable public static func erf(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var y = SIMD16<Float>()
        for i in 0..<16 { y[i] = erff(x[i]) }
        return y
    }

    /// y[i] = eˣ⁽ⁱ⁾ for i in 0..<count (x and y may be the same buffer).
    public static func exp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = expf(x[i]) }
    }

    /// y[i] = tanh(x[i]).
    public static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = tanhf(x[i]) }
    }

    /// y[i] = erf(x[i]).
    public static func erf(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = erff(x[i]) }
    }
}

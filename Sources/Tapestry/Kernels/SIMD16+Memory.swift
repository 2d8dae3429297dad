// SIMD16+Memory: load and store 16 floats at an arbitrary (unaligned) address.
//
// Every kernel moves data between buffers and SIMD16 registers; these two helpers say so in
// one word. An unaligned load or store compiles to the same instruction as an aligned one
// (vmovups) and costs nothing extra when the address happens to be aligned.

extension SIMD16 where Scalar == Float {
    /// The 16 floats starting at `pointer` (no alignment needed).
    @inlinable @inline(__always)
    public init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Writes the 16 lanes to `pointer ..< pointer + 16` (no alignment needed).
    @inlinable @inline(__always)
    public func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}

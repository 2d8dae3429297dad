// TensorStorage: the one heap buffer behind a Tensor.
//
// What it is: a 64-byte-aligned block of Float32 that several `Tensor` values may share.
// What it is not: a view with strides. Tapestry tensors are always contiguous, row-major,
// so a reshape shares the storage and a transpose copies.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 64-byte-aligned buffer of `count` Float32 values.
///
/// `Tensor` is a value type that holds a reference to one of these. Writes go through
/// `Tensor.withUnsafeMutableBufferPointer`, which copies the storage first if another tensor
/// shares it (copy-on-write), so sharing is never visible to the user.
///
/// The tape's gradient buffers and the kernels write through raw pointers on purpose: they
/// own the buffer they write (see `Tape.gradientPointer`).
public final class TensorStorage: @unchecked Sendable {
    // @unchecked Sendable: the buffer is only written by the code that owns it; the thread
    // pool hands disjoint row ranges of one buffer to different threads.

    /// Number of Float32 elements.
    public let count: Int
    /// Start of the buffer (aligned to 64 bytes, so SIMD16 loads never straddle a line).
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` uninitialized floats.
    public init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` floats set to zero.
    public convenience init(zeroedCount count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// A new storage with the same contents.
    public func copy() -> TensorStorage {
        let result = TensorStorage(count: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }
}

// ScratchBuffers: per-thread, reusable, 64-byte-aligned work buffers for the kernels.
//
// What it is: each thread (the caller and every pool worker) owns one `ScratchBuffers`, found
// through a pthread thread-local key. GEMM packs its A and B panels into it. Buffers only
// grow, so after the first step of training no kernel allocates.
// What it is not: an allocator for tensors (see BufferPool); contents never outlive a call.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The calling thread's scratch buffers (created on first use, freed when the thread exits).
final class ScratchBuffers {
    private var packedA = GrowableBuffer()
    private var packedB = GrowableBuffer()
    private var edgeLanes = GrowableBuffer()

    /// One tile of C for GEMM's edge tiles, up to 8x32 (a tall last panel; 64-byte aligned).
    let tile: UnsafeMutablePointer<Float> = {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 8 * 32 * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: 8 * 32)
    }()

    deinit { UnsafeMutableRawPointer(tile).deallocate() }

    /// Room for `count` floats of packed A (contents undefined).
    func packedA(count: Int) -> UnsafeMutablePointer<Float> { packedA.pointer(count: count) }

    /// Room for `count` floats of packed B (contents undefined).
    func packedB(count: Int) -> UnsafeMutablePointer<Float> { packedB.pointer(count: count) }

    /// Room for `count` floats of GEMM's narrow edge: its packed column groups and lane sums
    /// (contents undefined).
    func edgeLanes(count: Int) -> UnsafeMutablePointer<Float> { edgeLanes.pointer(count: count) }

    /// The buffers of the calling thread.
    static var current: ScratchBuffers {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<ScratchBuffers>.fromOpaque(raw).takeUnretainedValue()
        }
        let buffers = ScratchBuffers()
        pthread_setspecific(key, Unmanaged.passRetained(buffers).toOpaque())
        return buffers
    }

    /// The thread-local slot; its destructor releases a thread's buffers when the thread ends.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        #if canImport(Glibc)
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<ScratchBuffers>.fromOpaque(raw).release() }
        }
        #else
        pthread_key_create(&key) { raw in Unmanaged<ScratchBuffers>.fromOpaque(raw).release() }
        #endif
        return key
    }()
}

/// A 64-byte-aligned float buffer that is reallocated only when a bigger one is asked for.
struct GrowableBuffer: ~Copyable {
    private var start: UnsafeMutablePointer<Float>?
    private var capacity = 0

    mutating func pointer(count: Int) -> UnsafeMutablePointer<Float> {
        if let start, count <= capacity { return start }
        start.map { UnsafeMutableRawPointer($0).deallocate() }
        capacity = max(count, capacity * 2, 1024)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        let typed = raw.bindMemory(to: Float.self, capacity: capacity)
        start = typed
        return typed
    }

    deinit { start.map { UnsafeMutableRawPointer($0).deallocate() } }
}

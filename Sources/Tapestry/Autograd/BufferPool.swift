// BufferPool: the tape's recycler for activation and gradient memory.
//
// A training step allocates the same buffers, with the same sizes, every time. The pool
// remembers every buffer it hands out; at `recycle()` (called by `Tape.reset()`), each buffer
// that nobody else references any more goes back on a free list keyed by element count, and
// the next step takes it from there. A buffer still held outside (a loss the caller kept, an
// attention map being saved) is simply left alone, so recycling can never alias live data.
//
// Gradient buffers follow a second, stricter discipline: the tape never lets one escape (it
// hands out copies), so it takes them with `takeZeroed` and returns each with `giveBack` the
// moment it is done with it, with no reference check. Both kinds share the free lists, so a
// gradient buffer released in the middle of backward is reused, still warm in the cache, by
// the next gradient of the same size.
//
// Each free list is a class, looked up and then changed through its reference: changing an
// array stored in a Dictionary in place goes through the dictionary's `_modify` coroutine,
// whose frame Swift allocates on the heap, one malloc per take and per give back.

final class BufferPool {
    /// The free buffers of one size.
    private final class FreeList {
        var buffers: [TensorStorage] = []
    }

    private var free: [Int: FreeList] = [:]
    private var issued: [TensorStorage] = []
    private(set) var totalBytes = 0

    /// A tensor of `shape` backed by a recycled buffer when one of that size is free.
    func take(shape: [Int], zeroed: Bool) -> Tensor {
        let count = shape.reduce(1, *)
        let storage: TensorStorage
        if let reused = free[count]?.buffers.popLast() {
            storage = reused
            if zeroed { storage.pointer.update(repeating: 0, count: count) }
        } else {
            storage = zeroed ? TensorStorage(zeroedCount: count) : TensorStorage(count: count)
            totalBytes += count * MemoryLayout<Float>.stride
        }
        issued.append(storage)
        return Tensor(shape: shape, storage: storage)
    }

    /// A zeroed buffer of `count` floats that the caller owns until it calls `giveBack`.
    func takeZeroed(count: Int) -> TensorStorage {
        let storage = takeOwned(count: count)
        storage.pointer.update(repeating: 0, count: count)
        return storage
    }

    /// Like `takeZeroed`, but the contents are undefined: for a caller that writes every element.
    func takeOwned(count: Int) -> TensorStorage {
        if let reused = free[count]?.buffers.popLast() { return reused }
        totalBytes += count * MemoryLayout<Float>.stride
        return TensorStorage(count: count)
    }

    /// Returns a buffer from `takeZeroed`; the caller must hold no other reference to it.
    func giveBack(_ storage: TensorStorage) {
        freeList(storage.count).buffers.append(storage)
    }

    /// The free list for buffers of `count` floats, created on first use.
    private func freeList(_ count: Int) -> FreeList {
        if let list = free[count] { return list }
        let list = FreeList()
        free[count] = list
        return list
    }

    /// Moves every issued buffer that only the pool still references to the free lists.
    func recycle() {
        for i in issued.indices {
            if isKnownUniquelyReferenced(&issued[i]) {
                freeList(issued[i].count).buffers.append(issued[i])
            } else {
                // Someone kept it: forget it; it is freed normally when they let go.
                totalBytes -= issued[i].count * MemoryLayout<Float>.stride
            }
        }
        issued.removeAll(keepingCapacity: true)
    }
}

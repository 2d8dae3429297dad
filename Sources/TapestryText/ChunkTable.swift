// ChunkTable: a hash set of byte strings that all live inside one text buffer.
//
// Both training and encoding meet the same chunks over and over: Shakespeare's 1.1 MB splits
// into 276,495 chunks but only 16,580 distinct ones ("," 14,231 times, " the" 5,727 times).
// Training counts each distinct chunk once with its frequency; encoding merges each distinct
// chunk once and copies the cached tokens afterwards.
//
// A key is just (start, length) inside the text, so inserting copies nothing. The table is
// open addressing with linear probing over a power-of-two array of slots; a slot holds an
// entry index (or -1), and entries keep their hash so most mismatches are rejected without
// comparing bytes. The hash is FNV-1a, one multiply per byte, which is plenty for chunks of a
// few bytes.
//
// What it is not: a general dictionary. It never deletes, the text buffer must outlive it, and
// offsets are Int32, so a text is at most 2 GiB (training and encoding check this).

/// Distinct byte strings of one buffer, numbered 0, 1, 2... in first-seen order.
struct ChunkTable {
    /// For each slot, the entry stored there, or -1.
    private var slots: [Int32]
    /// `slots.count - 1`; the slot count is a power of two.
    private var mask: Int
    /// Entry `e` is the bytes `starts[e] ..< starts[e] + lengths[e]` of the buffer.
    private(set) var starts: [Int32] = []
    private(set) var lengths: [Int32] = []
    private var hashes: [UInt64] = []

    /// The number of distinct byte strings inserted.
    var count: Int { starts.count }

    init(expectedCount: Int = 1024) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity *= 2 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
    }

    /// The entry for the bytes `start..<end` of `buffer`, adding it if new.
    /// `buffer` must be the same buffer for every call on this table.
    mutating func entry(for buffer: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> (entry: Int, isNew: Bool) {
        // FNV-1a: hash = (hash XOR byte) * prime, for each byte.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in start..<end { hash = (hash ^ UInt64(buffer[index])) &* 0x100_0000_01b3 }
        let length = end - start
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if hashes[entry] == hash && Int(lengths[entry]) == length
                && memoryEqual(buffer, Int(starts[entry]), start, length) {
                return (entry, false)
            }
            slot = (slot + 1) & mask
        }
        let entry = starts.count
        slots[slot] = Int32(entry)
        starts.append(Int32(start))
        lengths.append(Int32(length))
        hashes.append(hash)
        if starts.count * 2 > slots.count { grow() }
        return (entry, true)
    }

    /// Whether the `length` bytes at `a` and at `b` are equal.
    @inline(__always)
    private func memoryEqual(_ buffer: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int, _ length: Int) -> Bool {
        for offset in 0..<length where buffer[a + offset] != buffer[b + offset] { return false }
        return true
    }

    /// Doubles the slot array and re-inserts every entry (keeping the load under one half).
    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for entry in 0..<hashes.count {
            let hash = hashes[entry]
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}

// BPETokenizer+Encode: text -> token ids.
//
// 1. Special tokens (only with `.allowed`) cut the text into ordinary pieces and special ids.
// 2. The pre-tokenizer cuts each piece into chunks.
// 3. Each DISTINCT chunk is merged once (the cache), then its tokens are copied for every
//    repeat: " the" appears 5,727 times in Shakespeare but is merged once.
// 4. Merging a chunk = repeatedly merge the adjacent pair with the lowest rank (the merge
//    learned first), until no adjacent pair has a merge. Worked example with the merges
//    256 = (a, a), 257 = (a, b), 258 = (256, 257):
//
//        a a a b      pairs (a a)=256 (a a)=256 (a b)=257; lowest 256, leftmost first
//        256 a b      pairs (256 a)=none (a b)=257
//        256 257      pairs (256 257)=258
//        258          done: one token
//
// Step 4 runs in O(n log n) for a chunk of n bytes: the candidate pairs sit in a min-heap keyed
// by (rank, position), and the symbols form a linked list so a merge only touches its two
// neighbours. (The plain loop "find the lowest pair, merge it, rescan" is O(n^2): fine for a
// word, hopeless for a 100 KB line of "=====". `mergeSteps(of:)` in BPETokenizer+Show.swift
// is that plain loop, kept for teaching; tests check both give the same tokens.)
// Entries made stale by an earlier merge are not removed from the heap; they are skipped when
// popped, because the pair at their position no longer matches their merge.
//
// What it is not: parallel. One text encodes on one thread; batch callers can split.

/// How `BPETokenizer.encode` treats text that spells a special token, such as "<|endoftext|>".
public enum SpecialTokenPolicy: Sendable {
    /// The special token's text becomes its id.
    case allowed
    /// The special token's text is encoded like any other text, byte by byte and merge by merge.
    case ordinaryText
    /// Encoding throws `.specialTokenInText`, so the caller must choose one of the two above.
    case forbidden
}

extension BPETokenizer {
    /// The ids of `text`; throws if it contains a special token's text (see `SpecialTokenPolicy`).
    public func encode(_ text: String) throws(TextError) -> [Int] {
        try encode(text, specialTokens: .forbidden)
    }

    /// The ids of `text`, treating special tokens' text as `policy` says.
    ///
    ///     tokenizer.encode("hi<|endoftext|>", specialTokens: .allowed)        // [..., 4096]
    ///     tokenizer.encode("hi<|endoftext|>", specialTokens: .ordinaryText)   // [..., 27, 91, ...]
    public func encode(_ text: String, specialTokens policy: SpecialTokenPolicy) throws(TextError) -> [Int] {
        if text.utf8.count >= Int(Int32.max) {
            throw .invalidInput(source: "encode", reason: "\(text.utf8.count) bytes is over the 2 GiB limit; encode the text in parts")
        }
        var text = text
        var forbiddenFound: (name: String, offset: Int)?
        let ids: [Int] = text.withUTF8 { bytes in
            var encoder = ChunkEncoder(tokenizer: self)
            var ids: [Int] = []
            ids.reserveCapacity(bytes.count / 3)
            var start = 0
            while start < bytes.count {
                var end = bytes.count
                var special: (start: Int, length: Int, id: Int)?
                if policy != .ordinaryText, let found = firstSpecialToken(in: bytes, from: start) {
                    if policy == .forbidden {
                        forbiddenFound = (String(decoding: bytes[found.start..<found.start + found.length], as: UTF8.self), found.start)
                        return []
                    }
                    special = found
                    end = found.start
                }
                encoder.encodeOrdinaryText(bytes, start: start, end: end, into: &ids)
                if let special {
                    ids.append(special.id)
                    end = special.start + special.length
                }
                start = end
            }
            return ids
        }
        if let forbiddenFound { throw .specialTokenInText(name: forbiddenFound.name, byteOffset: forbiddenFound.offset) }
        return ids
    }

    /// The leftmost special token in `bytes[from...]`, the longest one if several start there.
    func firstSpecialToken(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (start: Int, length: Int, id: Int)? {
        if specialsLongestFirst.isEmpty { return nil }
        var firstBytes = [Bool](repeating: false, count: 256)
        for special in specialsLongestFirst { firstBytes[Int(special.bytes[0])] = true }
        var position = start
        while position < bytes.count {
            if firstBytes[Int(bytes[position])] {
                for special in specialsLongestFirst where position + special.bytes.count <= bytes.count {
                    if special.bytes.indices.allSatisfy({ bytes[position + $0] == special.bytes[$0] }) {
                        return (position, special.bytes.count, special.id)
                    }
                }
            }
            position += 1
        }
        return nil
    }
}

/// Encodes ordinary text chunk by chunk, caching the tokens of every distinct chunk.
/// Lives for one `encode` call: the cache's keys point into that call's text.
struct ChunkEncoder {
    let tokenizer: BPETokenizer
    /// Distinct chunks seen so far; chunk `e`'s tokens are
    /// `cachedTokens[cachedStart[e] ..< cachedStart[e] + cachedCount[e]]`.
    var cache = ChunkTable()
    var cachedStart: [Int32] = []
    var cachedCount: [Int32] = []
    var cachedTokens: [Int32] = []
    // Work arrays for merging one chunk, reused from chunk to chunk.
    var symbols: [Int32] = []      // token at each position; -1 once merged into its left neighbour
    var next: [Int32] = []         // linked list over the live positions
    var previous: [Int32] = []
    var heap: [UInt64] = []        // min-heap of rank << 32 | position

    init(tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    /// Appends the tokens of `bytes[start..<end]` (no special tokens inside) to `ids`.
    mutating func encodeOrdinaryText(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, into ids: inout [Int]) {
        let whole = UnsafeBufferPointer(rebasing: bytes[..<end])
        var chunkStart = start
        while chunkStart < end {
            let chunkEnd = tokenizer.preTokenizer.chunkEnd(in: whole, from: chunkStart)
            let (entry, isNew) = cache.entry(for: bytes, start: chunkStart, end: chunkEnd)
            if isNew {
                cachedStart.append(Int32(cachedTokens.count))
                mergeChunk(bytes, start: chunkStart, end: chunkEnd)
                cachedCount.append(Int32(cachedTokens.count) - cachedStart[entry])
            }
            let first = Int(cachedStart[entry])
            for index in first..<first + Int(cachedCount[entry]) { ids.append(Int(cachedTokens[index])) }
            chunkStart = chunkEnd
        }
    }

    /// Merges one chunk by lowest rank first and appends its tokens to `cachedTokens`.
    private mutating func mergeChunk(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) {
        let count = end - start
        if count == 1 { cachedTokens.append(Int32(bytes[start])); return }
        symbols.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for position in 0..<count {
            symbols.append(Int32(bytes[start + position]))
            next.append(Int32(position + 1))           // `count` marks the end of the list
            previous.append(Int32(position - 1))       // -1 marks the start
        }
        for position in 0..<count - 1 {
            pushPair(at: position, left: symbols[position], right: symbols[position + 1])
        }
        while let top = popMinimum() {
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let position = Int(truncatingIfNeeded: top & 0xFFFF_FFFF)
            let right = Int(next[position])
            guard symbols[position] >= 0, right < count else { continue }
            let merge = tokenizer.merges[Int(rank) - 256]
            guard merge.left == Int(symbols[position]), merge.right == Int(symbols[right]) else { continue }  // stale
            // Merge: position takes the new token, `right` leaves the list.
            symbols[position] = rank
            symbols[right] = -1
            let afterRight = Int(next[right])
            next[position] = Int32(afterRight)
            if afterRight < count { previous[afterRight] = Int32(position) }
            // The two pairs that now include the new token may have merges of their own.
            let before = Int(previous[position])
            if before >= 0 { pushPair(at: before, left: symbols[before], right: rank) }
            if afterRight < count { pushPair(at: position, left: rank, right: symbols[afterRight]) }
        }
        var position = 0
        while position < count {
            cachedTokens.append(symbols[position])
            position = Int(next[position])
        }
    }

    /// Pushes (rank, position) if the pair (left, right) has a merge.
    @inline(__always)
    private mutating func pushPair(at position: Int, left: Int32, right: Int32) {
        guard let merged = tokenizer.mergedTokenByPair[BPETokenizer.pairKey(left, right)] else { return }
        heap.append(UInt64(UInt32(merged)) << 32 | UInt64(position))
        var child = heap.count - 1
        while child > 0 {                                  // sift up
            let parent = (child - 1) / 2
            if heap[parent] <= heap[child] { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    /// Removes and returns the smallest heap entry.
    @inline(__always)
    private mutating func popMinimum() -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {                                       // sift down
            let left = 2 * parent + 1
            if left >= heap.count { break }
            let smaller = left + 1 < heap.count && heap[left + 1] < heap[left] ? left + 1 : left
            if heap[parent] <= heap[smaller] { break }
            heap.swapAt(parent, smaller)
            parent = smaller
        }
        return top
    }
}

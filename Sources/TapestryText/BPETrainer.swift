// BPETrainer: learn BPE merges from a corpus, without recounting the text for each merge.
//
// The textbook loop (minbpe's `train`) is: count every adjacent pair in the whole text, merge
// the most frequent pair everywhere, repeat. Each merge rescans all the text. Here:
//
// 1. Deduplicate. The pre-tokenizer's chunks never merge across each other, so the text is
//    just a multiset of chunks: " the" x 5,727 is ONE word with count 5,727. Shakespeare's
//    276,495 chunks are 16,580 distinct words.
// 2. Count pairs once. pairCount[(a, b)] = sum of word counts over occurrences of (a, b), and
//    pairWords[(a, b)] lists the words where (a, b) occurs.
// 3. Merge incrementally. Merging (a, b) into z visits only the words in pairWords[(a, b)].
//    At each occurrence "p a b n" it adjusts four counts, weighted by the word's count:
//        (p, a) -= 1   (p, z) += 1   (b, n) -= 1   (z, n) += 1
//    The left neighbour p is read from the already-rewritten word, so in "a b a b" the
//    second occurrence sees p = z and the updates still add up: (b, a) 1 -> 0, (z, z) 0 -> 1.
// 4. Pick the next pair from a max-heap of (count, pair). Counts of old pairs only ever DROP
//    (new pairs all contain the new token z), so the heap is lazy: an entry whose count is out
//    of date is re-pushed with its true count when it reaches the top, and skipped if zero.
//
// Tie-break (documented, deterministic): the highest count wins; among equal counts, the pair
// with the smallest left id, then the smallest right id. (minbpe takes the pair seen first in
// the text, which a heap cannot cheaply know; Hugging Face `tokenizers` also takes the
// smallest pair.) Same corpus and vocabulary size => same merges, on any machine.
//
// What it is not: a trainer with a minimum pair frequency or a cap on token length; every pair
// that occurs at least once can be merged, until the vocabulary is full or no pair is left.
// Lesson: notebooks-md/01-tokens.md

/// How far training has got, as given to the `progress` callback of `BPETokenizer.train`.
public struct BPETrainingProgress: Sendable {
    /// Merges learned so far.
    public let mergesDone: Int
    /// Merges the vocabulary size asks for.
    public let mergesPlanned: Int
    /// The latest merge, the token it created, that token's bytes, and how often its pair occurred.
    public let lastMerge: BPETokenizer.Merge
    public let lastToken: Int
    public let lastTokenBytes: [UInt8]
    public let lastCount: Int
}

extension BPETokenizer {
    /// Learns merges from `text` until the vocabulary has `vocabularySize` ids in total: the 256
    /// bytes, the merges, then one id per name in `specialTokenNames` (in that order, right
    /// after the last merge). Training stops early if every chunk has become a single token.
    ///
    /// If `progressInterval > 0`, `progress` is called every `progressInterval` merges and at
    /// the last planned merge (not again if training stops early).
    /// Throws `.invalidVocabulary` if `vocabularySize < 256 + specialTokenNames.count`.
    ///
    ///     let tokenizer = try BPETokenizer.train(text: "aaabdaaabac", vocabularySize: 259)
    ///     try tokenizer.encode("aaabdaaabac")   // [258, 100, 258, 97, 99]
    public static func train(text: String, vocabularySize: Int, specialTokenNames: [String] = [],
                             preTokenizer: PreTokenizer = .gpt4, progressInterval: Int = 0,
                             progress: (BPETrainingProgress) -> Void = { _ in }) throws(TextError) -> BPETokenizer {
        if vocabularySize < 256 + specialTokenNames.count {
            throw .invalidVocabulary(reason: "vocabulary size \(vocabularySize) is below 256 (the byte values)"
                + (specialTokenNames.isEmpty ? "" : " + \(specialTokenNames.count) special tokens"))
        }
        if vocabularySize > Int(Int32.max) {
            throw .invalidVocabulary(reason: "vocabulary size \(vocabularySize) is above the maximum 2^31 - 1")
        }
        if text.utf8.count >= Int(Int32.max) {
            throw .invalidInput(source: "training text", reason: "\(text.utf8.count) bytes is over the 2 GiB limit")
        }
        var text = text
        let mergesPlanned = vocabularySize - 256 - specialTokenNames.count
        var trainer = text.withUTF8 { PairTrainer(bytes: $0, preTokenizer: preTokenizer) }
        var merges: [Merge] = []
        merges.reserveCapacity(min(mergesPlanned, 1 << 20))   // a huge request may stop far earlier
        let reportsProgress = progressInterval > 0
        var tokenBytes = reportsProgress ? (0..<256).map { [UInt8($0)] } : []   // only to report progress
        while merges.count < mergesPlanned, let (pair, count) = trainer.popMostFrequentPair() {
            let newToken = 256 + merges.count
            trainer.merge(pair: pair, into: Int32(newToken))
            let merge = Merge(Int(trainer.pairLeft[pair]), Int(trainer.pairRight[pair]))
            merges.append(merge)
            guard reportsProgress else { continue }
            tokenBytes.append(tokenBytes[merge.left] + tokenBytes[merge.right])
            if merges.count % progressInterval == 0 || merges.count == mergesPlanned {
                progress(BPETrainingProgress(mergesDone: merges.count, mergesPlanned: mergesPlanned, lastMerge: merge,
                                             lastToken: newToken, lastTokenBytes: tokenBytes[newToken], lastCount: count))
            }
        }
        let firstSpecial = 256 + merges.count
        let specials = specialTokenNames.enumerated().map { SpecialToken(name: $1, id: firstSpecial + $0) }
        return try BPETokenizer(merges: merges, specialTokens: specials, preTokenizer: preTokenizer)
    }
}

/// A max-heap of pairs by (count, then the SMALLER pair key): the training tie-break.
struct PairHeap {
    struct Entry {
        let count: Int
        let key: UInt64      // left << 32 | right
        let pair: Int32
        /// Whether `self` comes out of the heap before `other`.
        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            count != other.count ? count > other.count : key < other.key
        }
    }
    private var entries: [Entry] = []

    mutating func push(count: Int, key: UInt64, pair: Int32) {
        entries.append(Entry(count: count, key: key, pair: pair))
        var child = entries.count - 1
        while child > 0 {                                  // sift up
            let parent = (child - 1) / 2
            if !entries[child].precedes(entries[parent]) { break }
            entries.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let last = entries.popLast() else { return nil }
        if entries.isEmpty { return last }
        let top = entries[0]
        entries[0] = last
        var parent = 0
        while true {                                       // sift down
            let left = 2 * parent + 1
            if left >= entries.count { break }
            let first = left + 1 < entries.count && entries[left + 1].precedes(entries[left]) ? left + 1 : left
            if !entries[first].precedes(entries[parent]) { break }
            entries.swapAt(parent, first)
            parent = first
        }
        return top
    }
}

/// The state of one training run: distinct words, pair counts, and the heap.
struct PairTrainer {
    // Words: word w's current tokens are symbols[wordStart[w] ..< wordStart[w] + wordLength[w]].
    var symbols: [Int32] = []
    var wordStart: [Int32] = []
    var wordLength: [Int32] = []
    var wordCount: [Int] = []          // occurrences of the word in the text
    var wordVisitedBy: [Int32] = []    // the last merge that rewrote the word (skips repeats)
    // Pairs, numbered in order of first appearance.
    var pairNumber: [UInt64: Int32] = [:]
    var pairLeft: [Int32] = []
    var pairRight: [Int32] = []
    var pairCount: [Int] = []
    var pairWords: [[Int32]] = []      // words that contain, or once contained, the pair
    var heap = PairHeap()

    /// Splits `bytes` into chunks, deduplicates them, and counts every pair once.
    init(bytes: UnsafeBufferPointer<UInt8>, preTokenizer: PreTokenizer) {
        var table = ChunkTable(expectedCount: 1 << 14)
        var start = 0
        while start < bytes.count {
            let end = preTokenizer.chunkEnd(in: bytes, from: start)
            let (word, isNew) = table.entry(for: bytes, start: start, end: end)
            if isNew {
                wordStart.append(Int32(symbols.count))
                wordLength.append(Int32(end - start))
                wordCount.append(0)
                for index in start..<end { symbols.append(Int32(bytes[index])) }
            }
            wordCount[word] += 1
            start = end
        }
        wordVisitedBy = [Int32](repeating: -1, count: wordCount.count)
        for word in 0..<wordCount.count {
            let first = Int(wordStart[word])
            for index in first..<first + Int(wordLength[word]) - 1 {
                addCount(left: symbols[index], right: symbols[index + 1], delta: wordCount[word], word: Int32(word))
            }
        }
        for pair in 0..<pairCount.count { heap.push(count: pairCount[pair], key: key(pair), pair: Int32(pair)) }
    }

    func key(_ pair: Int) -> UInt64 { BPETokenizer.pairKey(pairLeft[pair], pairRight[pair]) }

    /// The pair to merge next and its count, or nil when no pair is left.
    mutating func popMostFrequentPair() -> (pair: Int, count: Int)? {
        while let top = heap.pop() {
            let pair = Int(top.pair)
            let count = pairCount[pair]
            if count == top.count { return (pair, count) }
            if count > 0 { heap.push(count: count, key: top.key, pair: top.pair) }   // out of date
        }
        return nil
    }

    /// Adds `delta` to the count of (left, right), creating the pair if new; a positive delta
    /// also records that `word` contains it.
    @inline(__always)
    mutating func addCount(left: Int32, right: Int32, delta: Int, word: Int32) {
        let pairKey = BPETokenizer.pairKey(left, right)
        var pair: Int
        if let existing = pairNumber[pairKey] {
            pair = Int(existing)
        } else {
            pair = pairCount.count
            pairNumber[pairKey] = Int32(pair)
            pairLeft.append(left)
            pairRight.append(right)
            pairCount.append(0)
            pairWords.append([])
        }
        pairCount[pair] += delta
        if delta > 0 && pairWords[pair].last != word { pairWords[pair].append(word) }
    }

    /// Replaces every occurrence of `pair` by `newToken` in the words that contain it, and
    /// updates the neighbouring pairs' counts (see the file header, step 3).
    mutating func merge(pair: Int, into newToken: Int32) {
        let (a, b) = (pairLeft[pair], pairRight[pair])
        let words = pairWords[pair]
        pairWords[pair] = []
        let pairsBefore = pairCount.count
        for word in words where wordVisitedBy[Int(word)] != newToken {
            wordVisitedBy[Int(word)] = newToken
            let count = wordCount[Int(word)]
            let first = Int(wordStart[Int(word)])
            let end = first + Int(wordLength[Int(word)])
            var read = first, write = first
            while read < end {
                if read + 1 < end && symbols[read] == a && symbols[read + 1] == b {
                    if write > first {                     // left neighbour p (already rewritten)
                        let p = symbols[write - 1]
                        addCount(left: p, right: a, delta: -count, word: word)
                        addCount(left: p, right: newToken, delta: count, word: word)
                    }
                    if read + 2 < end {                     // right neighbour n
                        let n = symbols[read + 2]
                        addCount(left: b, right: n, delta: -count, word: word)
                        addCount(left: newToken, right: n, delta: count, word: word)
                    }
                    symbols[write] = newToken
                    read += 2
                } else {
                    symbols[write] = symbols[read]
                    read += 1
                }
                write += 1
            }
            wordLength[Int(word)] = Int32(write - first)
        }
        pairCount[pair] = 0   // every occurrence is gone (updates above may have touched it)
        // The pairs that grew are exactly the new pairs (p, z) and (z, n), all created during
        // this merge: they join the heap now, once each, with their final counts.
        for created in pairsBefore..<pairCount.count where pairCount[created] > 0 {
            heap.push(count: pairCount[created], key: key(created), pair: Int32(created))
        }
    }
}

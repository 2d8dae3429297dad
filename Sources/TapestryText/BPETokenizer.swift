// BPETokenizer: byte-level byte-pair encoding, the tokenizer of GPT-2 and GPT-4.
//
// The vocabulary starts as the 256 byte values, so ANY text can be encoded: a character
// outside every learned token still falls back to its UTF-8 bytes. Training (BPETrainer.swift)
// then learns merges: "the pair (116 't', 104 'h') becomes token 256", "(256, 101 'e') becomes
// 257"... Merge i always creates token 256 + i, so a token's id is also its rank: a smaller
// id was learned earlier, from a more frequent pair.
//
// Encoding (BPETokenizer+Encode.swift) first splits the text into chunks (PreTokenizer.swift),
// then inside each chunk repeatedly merges the adjacent pair with the LOWEST rank until no
// pair has a merge. Decoding concatenates each token's bytes.
//
// minbpe's worked example, "aaabdaaabac" with 3 merges:
//
//     merge 256 = (a, a)      aaabdaaabac -> [256] a b d [256] a b a c
//     merge 257 = (a, b)                  -> [256][257] d [256][257] a c
//     merge 258 = (256, 257)              -> [258] d [258] a c  =  [258, 100, 258, 97, 99]
//
// Special tokens (such as "<|endoftext|>") are extra ids, above the merges, that stand for a
// marker rather than for bytes. Encoding recognizes their text only when asked to
// (`SpecialTokenPolicy`).
//
// What it is not: GPT-4's actual vocabulary (it needs 100k merges trained on a web-sized
// corpus), nor GPT-2's byte-to-unicode remapping (a display trick this file does not need).

/// A byte-level BPE tokenizer: 256 byte tokens, learned merges, and optional special tokens.
public struct BPETokenizer: Tokenizer, Equatable {
    /// The first line of a model file and of `serialized()`.
    public static let formatHeader = "tapestry-bpe v1"

    /// One learned merge: the tokens `left` and `right`, side by side, become one new token.
    public struct Merge: Hashable, Sendable {
        public let left: Int
        public let right: Int
        public init(_ left: Int, _ right: Int) { self.left = left; self.right = right }
    }

    /// A special token: a name such as `<|endoftext|>` and the id it stands for.
    public struct SpecialToken: Hashable, Sendable {
        public let name: String
        public let id: Int
        public init(name: String, id: Int) { self.name = name; self.id = id }
    }

    /// The rules that split text into chunks before merging.
    public let preTokenizer: PreTokenizer
    /// The merges in the order they were learned; `merges[i]` creates token `256 + i`.
    public let merges: [Merge]
    /// The special tokens, sorted by id.
    public let specialTokens: [SpecialToken]

    /// The merged token for each pair, keyed by `left << 32 | right`: the "rank lookup".
    let mergedTokenByPair: [UInt64: Int32]
    /// The bytes of every non-special token: token t is
    /// `tokenBytes[tokenOffsets[t] ..< tokenOffsets[t + 1]]`.
    let tokenBytes: [UInt8]
    let tokenOffsets: [Int32]
    /// Special tokens sorted longest name first, so the longest one wins at a position.
    let specialsLongestFirst: [(bytes: [UInt8], id: Int)]

    public var kind: TokenizerKind { .bpe }

    /// One more than the largest id: the 256 bytes, the merges, and the special tokens.
    public var vocabularySize: Int { max(256 + merges.count, (specialTokens.last?.id ?? -1) + 1) }

    /// A bound on the bytes of all tokens together. Real vocabularies need well under 1 MiB
    /// (GPT-4's 100k tokens: about 0.7 MiB), but a corrupt merge list that keeps doubling one
    /// token would otherwise ask for gigabytes.
    static let maximumTotalTokenBytes = 64 << 20

    /// The ids that stand for bytes: `0 ..< 256 + merges.count`.
    public var byteTokenCount: Int { 256 + merges.count }

    /// Builds a tokenizer from learned merges and special tokens, checking that they fit:
    /// each merge uses only tokens that exist before it and is not a repeat; special tokens
    /// have distinct, non-empty names without whitespace and distinct ids that do not collide
    /// with the byte tokens. Throws `.invalidVocabulary` naming the first problem.
    public init(merges: [Merge], specialTokens: [SpecialToken] = [], preTokenizer: PreTokenizer = .gpt4) throws(TextError) {
        var mergedTokenByPair: [UInt64: Int32] = [:]
        mergedTokenByPair.reserveCapacity(merges.count)
        var tokenBytes = (0..<256).map { UInt8($0) }
        var tokenOffsets = (0...256).map { Int32($0) }
        for (index, merge) in merges.enumerated() {
            let newToken = 256 + index
            guard (0..<newToken).contains(merge.left), (0..<newToken).contains(merge.right) else {
                throw .invalidVocabulary(reason: "merge \(index + 1) (\(merge.left), \(merge.right)) uses a token that does not exist before token \(newToken)")
            }
            let key = Self.pairKey(Int32(merge.left), Int32(merge.right))
            if let earlier = mergedTokenByPair.updateValue(Int32(newToken), forKey: key) {
                throw .invalidVocabulary(reason: "merge \(index + 1) (\(merge.left), \(merge.right)) repeats the merge that made token \(earlier)")
            }
            // A token's bytes are its left part's bytes followed by its right part's.
            let left = Int(tokenOffsets[merge.left])..<Int(tokenOffsets[merge.left + 1])
            let right = Int(tokenOffsets[merge.right])..<Int(tokenOffsets[merge.right + 1])
            guard tokenBytes.count + left.count + right.count <= Self.maximumTotalTokenBytes else {
                throw .invalidVocabulary(reason: "merge \(index + 1) makes the tokens' bytes exceed \(Self.maximumTotalTokenBytes >> 20) MiB; is the merge list corrupt?")
            }
            let bytes = Array(tokenBytes[left]) + Array(tokenBytes[right])
            tokenBytes.append(contentsOf: bytes)
            tokenOffsets.append(Int32(tokenBytes.count))
        }
        let sortedSpecials = specialTokens.sorted { $0.id < $1.id }
        var names = Set<String>()
        for (index, special) in sortedSpecials.enumerated() {
            if let problem = Self.problem(with: special, byteTokenCount: 256 + merges.count) {
                throw .invalidVocabulary(reason: problem)
            }
            if index > 0 && sortedSpecials[index - 1].id == special.id {
                throw .invalidVocabulary(reason: "special tokens \(sortedSpecials[index - 1].name) and \(special.name) share the id \(special.id)")
            }
            if !names.insert(special.name).inserted {
                throw .invalidVocabulary(reason: "special token \(special.name) is listed twice")
            }
        }
        self.preTokenizer = preTokenizer
        self.merges = merges
        self.specialTokens = sortedSpecials
        self.mergedTokenByPair = mergedTokenByPair
        self.tokenBytes = tokenBytes
        self.tokenOffsets = tokenOffsets
        self.specialsLongestFirst = sortedSpecials
            .map { (bytes: Array($0.name.utf8), id: $0.id) }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
    }

    /// What is wrong with a special token on its own (its name or its id), or nil.
    static func problem(with special: SpecialToken, byteTokenCount: Int) -> String? {
        if special.name.isEmpty || special.name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            return "special token name \(TextLines.shown(special.name)) must be non-empty, without spaces or control characters"
        }
        if special.id < byteTokenCount || special.id >= Int(Int32.max) {
            return "special token \(special.name) has id \(special.id); special ids start at \(byteTokenCount) (after the bytes and merges) and stay below 2^31 - 1"
        }
        return nil
    }

    /// The same merges with these special tokens added (ids chosen by the caller).
    public func addingSpecialTokens(_ tokens: [SpecialToken]) throws(TextError) -> BPETokenizer {
        try BPETokenizer(merges: merges, specialTokens: specialTokens + tokens, preTokenizer: preTokenizer)
    }

    /// The bytes token `id` stands for (a special token's bytes are its name), or nil.
    ///
    ///     tokenizer.bytes(of: 104)   // [104], "h"
    public func bytes(of id: Int) -> [UInt8]? {
        if id >= 0 && id < byteTokenCount {
            return Array(tokenBytes[Int(tokenOffsets[id])..<Int(tokenOffsets[id + 1])])
        }
        return specialTokens.first { $0.id == id }.map { Array($0.name.utf8) }
    }

    /// The text of `ids`. A special token decodes to its name; an unknown id to U+FFFD, as does
    /// a byte sequence that is not UTF-8 (a token may hold half of a character).
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids, unknown: Array("\u{FFFD}".utf8)), as: UTF8.self)
    }

    /// The exact bytes of `ids`; throws `.unknownTokenID` for an id the tokenizer lacks.
    public func decodeBytes(_ ids: [Int]) throws(TextError) -> [UInt8] {
        for (position, id) in ids.enumerated() where !isDefined(id) {
            throw .unknownTokenID(id: id, position: position, vocabularySize: vocabularySize)
        }
        return decodeBytes(ids, unknown: [])
    }

    /// Whether `id` is a byte token, a merge or a special token.
    private func isDefined(_ id: Int) -> Bool {
        (id >= 0 && id < byteTokenCount) || specialTokens.contains { $0.id == id }
    }

    /// Concatenates the bytes of `ids`, putting `unknown` for an undefined id.
    private func decodeBytes(_ ids: [Int], unknown: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(ids.count * 4)
        tokenBytes.withUnsafeBufferPointer { bytes in
            for id in ids {
                if id >= 0 && id < byteTokenCount {
                    output.append(contentsOf: bytes[Int(tokenOffsets[id])..<Int(tokenOffsets[id + 1])])
                } else if let special = specialTokens.first(where: { $0.id == id }) {
                    output.append(contentsOf: special.name.utf8)
                } else {
                    output.append(contentsOf: unknown)
                }
            }
        }
        return output
    }

    /// The key of the pair (left, right) in `mergedTokenByPair`.
    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    public static func == (a: BPETokenizer, b: BPETokenizer) -> Bool {
        a.preTokenizer == b.preTokenizer && a.merges == b.merges && a.specialTokens == b.specialTokens
    }
}

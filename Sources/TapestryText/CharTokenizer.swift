// CharTokenizer: nanoGPT's character-level tokenizer. One token per Unicode scalar.
//
// The vocabulary is the set of distinct Unicode scalars of the corpus, sorted by code point,
// and a scalar's id is its index in that list. nanoGPT does exactly this with
// `sorted(list(set(data)))` on a Python `str`, whose elements are code points, so Tapestry
// uses `Unicode.Scalar` (not Swift's `Character`, a grapheme cluster: "e" + U+0301 would be
// one Character but two Python chars, and the ids would no longer match nanoGPT's).
//
//     let tokenizer = CharTokenizer(corpus: "hello")   // vocabulary ["e", "h", "l", "o"]
//     try tokenizer.encode("hell")                      // [1, 0, 2, 2]
//     tokenizer.decode([2, 3])                          // "lo"
//
// What it is not: able to encode a character it has never seen. `encode` throws a one-line
// error naming the character and its position instead of guessing.
// Lesson: notebooks-md/01-tokens.md

/// A character-level tokenizer: id = index of the Unicode scalar in a sorted vocabulary.
public struct CharTokenizer: Tokenizer, Equatable {
    /// The first line of `serialized()`.
    public static let formatHeader = "tapestry-char v1"

    /// The scalars, in id order (sorted by code point when built from a corpus).
    public let vocabulary: [Unicode.Scalar]
    /// Ids of the scalars below U+0100, or -1: a table, because almost all text is ASCII.
    private let latin1IDs: [Int32]
    /// Ids of the other scalars.
    private let otherIDs: [UInt32: Int]

    public var kind: TokenizerKind { .char }
    public var vocabularySize: Int { vocabulary.count }

    /// The tokenizer whose vocabulary is the distinct scalars of `corpus`, sorted by code point.
    /// Throws `.invalidVocabulary` if `corpus` is empty.
    public init(corpus: String) throws(TextError) {
        // One bit per possible code point (17 * 65536 bits = 136 KiB): marking is a few
        // instructions per scalar, and reading the bits in order sorts for free.
        var seen = [UInt64](repeating: 0, count: 0x110000 / 64)
        for scalar in corpus.unicodeScalars {
            seen[Int(scalar.value >> 6)] |= 1 << (scalar.value & 63)
        }
        var vocabulary: [Unicode.Scalar] = []
        for (word, bits) in seen.enumerated() where bits != 0 {
            for bit in 0..<64 where bits & (1 << UInt64(bit)) != 0 {
                vocabulary.append(Unicode.Scalar(UInt32(word * 64 + bit))!)
            }
        }
        try self.init(vocabulary: vocabulary)
    }

    /// A tokenizer with exactly this vocabulary, in this order. Throws if it is empty or if a
    /// scalar repeats.
    public init(vocabulary: [Unicode.Scalar]) throws(TextError) {
        if vocabulary.isEmpty { throw .invalidVocabulary(reason: "a character vocabulary needs at least one character") }
        var latin1IDs = [Int32](repeating: -1, count: 256)
        var otherIDs: [UInt32: Int] = [:]
        for (id, scalar) in vocabulary.enumerated() {
            let isNew: Bool
            if scalar.value < 256 {
                isNew = latin1IDs[Int(scalar.value)] < 0
                latin1IDs[Int(scalar.value)] = Int32(id)
            } else {
                isNew = otherIDs.updateValue(id, forKey: scalar.value) == nil
            }
            if !isNew {
                throw .invalidVocabulary(reason: "the vocabulary lists \(TextError.quoted(scalar)) (U+\(TextError.hex(scalar.value))) twice")
            }
        }
        self.vocabulary = vocabulary
        self.latin1IDs = latin1IDs
        self.otherIDs = otherIDs
    }

    /// One id per Unicode scalar of `text`.
    ///
    /// Throws `.outOfVocabulary` naming the first unknown character and its scalar position:
    /// `character 'Z' (U+005A) at position 3 is not in the vocabulary`.
    public func encode(_ text: String) throws(TextError) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let id = scalar.value < 256 ? Int(latin1IDs[Int(scalar.value)]) : (otherIDs[scalar.value] ?? -1)
            if id < 0 { throw .outOfVocabulary(character: scalar, position: ids.count) }
            ids.append(id)
        }
        return ids
    }

    /// The scalars of `ids`; an id outside `0..<vocabularySize` becomes U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        var scalars = String.UnicodeScalarView()
        for id in ids {
            scalars.append(id >= 0 && id < vocabulary.count ? vocabulary[id] : "\u{FFFD}")
        }
        return String(scalars)
    }

    /// The UTF-8 bytes of `ids`, or `.unknownTokenID` for an id outside the vocabulary.
    public func decodeBytes(_ ids: [Int]) throws(TextError) -> [UInt8] {
        for (position, id) in ids.enumerated() where id < 0 || id >= vocabulary.count {
            throw .unknownTokenID(id: id, position: position, vocabularySize: vocabulary.count)
        }
        return Array(decode(ids).utf8)
    }

    /// Three lines: the header, `vocabulary N`, then the N code points in hexadecimal.
    ///
    ///     tapestry-char v1
    ///     vocabulary 3
    ///     000A 0020 0061
    public func serialized() -> String {
        let codePoints = vocabulary.map { TextError.hex($0.value) }.joined(separator: " ")
        return "\(Self.formatHeader)\nvocabulary \(vocabulary.count)\n\(codePoints)\n"
    }

    /// Parses `serialized()`'s format; errors name `source` and the line.
    public init(serialized text: String, source: String) throws(TextError) {
        let lines = TextLines.split(text)
        func fail(_ line: Int, _ reason: String) -> TextError {
            .badTokenizerFile(source: source, line: line, reason: reason)
        }
        guard lines.first == Substring(Self.formatHeader) else {
            throw fail(1, "expected '\(Self.formatHeader)', found \(TextLines.shown(lines.first ?? ""))")
        }
        guard lines.count >= 2 else { throw fail(2, "the file ends before 'vocabulary COUNT'") }
        let sizeWords = lines[1].split(separator: " ", omittingEmptySubsequences: false)
        guard sizeWords.count == 2, sizeWords[0] == "vocabulary", let size = Int(sizeWords[1]), size > 0 else {
            throw fail(2, "expected 'vocabulary COUNT' with COUNT > 0, found \(TextLines.shown(lines[1]))")
        }
        guard lines.count >= 3 else { throw fail(3, "the file ends before the list of \(size) code points") }
        guard lines.count == 3 else { throw fail(4, "unexpected text after the code points: \(TextLines.shown(lines[3]))") }
        let words = lines[2].split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == size else { throw fail(3, "expected \(size) code points, found \(words.count)") }
        var vocabulary: [Unicode.Scalar] = []
        vocabulary.reserveCapacity(size)
        for (index, word) in words.enumerated() {
            guard word.utf8.count <= 6, let value = UInt32(word, radix: 16), let scalar = Unicode.Scalar(value) else {
                throw fail(3, "code point \(index + 1) is not a hexadecimal Unicode scalar: \(TextLines.shown(word))")
            }
            vocabulary.append(scalar)
        }
        do {
            try self.init(vocabulary: vocabulary)
        } catch {
            throw fail(3, error.description)
        }
    }
}

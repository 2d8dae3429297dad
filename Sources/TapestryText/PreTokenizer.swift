// PreTokenizer: split text into chunks before BPE, by GPT-4's rules, written out by hand.
//
// BPE never merges across a chunk boundary, so pre-tokenization decides what a token CAN be:
// " world" may become one token, but "d w" never will, and "2024" is at most "202" + "4".
// GPT-4 (tiktoken's cl100k_base) defines its chunks with this regular expression:
//
//     '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+
//
// Tapestry implements it without a regex engine. At each position the rules are tried in
// order and the first that matches takes its chunk; some rule always matches, so the chunks
// tile the text exactly. With L = letter (\p{L}), N = number (\p{N}), "space" = Unicode
// White_Space (\s), "newline" = "\r" or "\n", and "other" = none of these (punctuation,
// symbols, emoji, combining marks, control characters):
//
//   1. Contraction: "'" then s, d, m, t, ll, ve or re, in any case:     "'s", "'LL", "'ve"
//   2. Letters, with at most one leading scalar that is not a newline,
//      letter or number (a space, a tab, an apostrophe, a quote):        "Hello", " world", "'tis"
//   3. Numbers, at most 3 at a time:                                     "202", "4"
//   4. Other, with an optional leading " ", then any newlines:          "!", " ...", ".\n\n"
//   5. Whitespace up to and including its last newline:                 "\n", "  \n\n"
//   6. Whitespace not followed by a non-space (it leaves its last
//      space to start the next word), or all of it at the end of text:  "   " of "    x"
//   7. Any other whitespace (one scalar, as a space before a number):   " " of " 42"
//
// Worked example (each chunk in quotes):
//
//     "I'll pay  $1234!\n\n"  ->  "I" "'ll" " pay" " " " $" "123" "4" "!\n\n"
//
// Rule 1 matches only at an apostrophe that starts a chunk: in " 'll" the space and the
// apostrophe form a rule-4 chunk " '" and "ll" follows, exactly as the regex does. The
// case-insensitive match also accepts U+017F LATIN SMALL LETTER LONG S ("'ſ"), whose case
// folding is "s"; that is the only non-ASCII letter with that property for s, d, m, t, l, v,
// e, r. Tests compare these rules with the Python `regex` package on hand-picked and random
// strings (Tests/TapestryTextTests/Fixtures/pretokenize.json).
//
// What it is not: Unicode-version-proof. Letters and numbers come from the Swift standard
// library's Unicode tables, so a code point assigned after that version is "other". (The
// fixture leaves out unassigned code points for that reason: `regex` even calls parts of the
// unassigned plane 3 letters.)
// Lesson: notebooks-md/01-tokens.md

/// A rule set that splits text into chunks for BPE. Only GPT-4's rules exist today; the name
/// is stored in tokenizer files so that a future rule set cannot be confused with it.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-4's (cl100k_base) pre-tokenization rules, described in this file's header.
    case gpt4

    /// The chunks of `text`, in order; they concatenate back to `text`.
    ///
    ///     PreTokenizer.gpt4.split("Hello world!!")   // ["Hello", " world", "!!"]
    public func split(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var chunks: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let end = chunkEnd(in: buffer, from: start)
                chunks.append(String(decoding: buffer[start..<end], as: UTF8.self))
                start = end
            }
        }
        return chunks
    }

    /// The end offset of the chunk that starts at byte `start` of `bytes` (well-formed UTF-8,
    /// `start < bytes.count`, at a scalar boundary). Walk a text with
    /// `while start < count { let end = chunkEnd(...); ...; start = end }`.
    func chunkEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let reader = ScalarReader(bytes: bytes)
        let first = reader.scalar(at: start)

        // Rule 1: '(?i:[sdmt]|ll|ve|re)
        if first.value == 0x27 {
            let second = reader.scalar(at: start + 1)
            let folded = ScalarReader.caseFolded(second.value)
            switch folded {
            case "s", "d", "m", "t":
                return start + 1 + second.length
            case "l", "v", "r":
                let third = reader.scalar(at: start + 1 + second.length)
                let wanted: Unicode.Scalar = folded == "l" ? "l" : "e"      // ll, ve, re
                if ScalarReader.caseFolded(third.value) == wanted { return start + 1 + second.length + third.length }
            default:
                break
            }
        }

        // Rule 2: [^\r\n\p{L}\p{N}]?+\p{L}+
        let lettersStart = (first.kind == .space || first.kind == .other) ? start + first.length : start
        if reader.scalar(at: lettersStart).kind == .letter {
            return reader.end(ofRunOf: .letter, from: lettersStart)
        }

        // Rule 3: \p{N}{1,3}
        if first.kind == .number {
            return reader.end(ofRunOf: .number, from: start, atMost: 3)
        }

        // Rule 4:  ?[^\s\p{L}\p{N}]++[\r\n]*
        let otherStart = first.value == 0x20 ? start + 1 : start
        if reader.scalar(at: otherStart).kind == .other {
            let end = reader.end(ofRunOf: .other, from: otherStart)
            return reader.end(ofRunOf: .newline, from: end)
        }

        // Rules 5-7: `first` is whitespace. Walk its whole run once and remember the end of
        // its last newline and where its last scalar starts.
        var index = start
        var afterLastNewline = -1
        var lastScalarStart = start
        while true {
            let scalar = reader.scalar(at: index)
            if scalar.kind != .space && scalar.kind != .newline { break }
            lastScalarStart = index
            index += scalar.length
            if scalar.kind == .newline { afterLastNewline = index }
        }
        if afterLastNewline >= 0 { return afterLastNewline }          // 5: \s*[\r\n]
        if index == bytes.count { return index }                       // 6: \s+ at the end of text
        if lastScalarStart > start { return lastScalarStart }          // 6: \s+(?!\S), minus the last
        return index                                                   // 7: \s+ (one scalar)
    }
}

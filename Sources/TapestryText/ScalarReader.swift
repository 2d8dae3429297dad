// ScalarReader: decode one Unicode scalar from UTF-8 bytes and say which kind it is.
//
// The pre-tokenizer asks "what is at byte i?" hundreds of thousands of times, so this works on
// raw bytes instead of Swift's String (whose Character walks grapheme clusters, far slower).
// ASCII, which is most text, is one table look-up; other scalars are decoded by hand and
// classified with the standard library's Unicode properties.
//
// What it is not: a validator. The bytes come from a Swift String, which is always well-formed
// UTF-8 (`TextFile.decodeUTF8` checks files before they become Strings).

/// The classes of scalar that GPT-4's pre-tokenization rules distinguish.
enum ScalarKind: UInt8 {
    /// General category L (Lu, Ll, Lt, Lm, Lo): the regex's `\p{L}`.
    case letter
    /// General category N (Nd, Nl, No): `\p{N}`.
    case number
    /// "\r" or "\n": the regex's `[\r\n]`.
    case newline
    /// Any other White_Space scalar (space, tab, U+00A0, U+3000...): the rest of `\s`.
    case space
    /// Everything else: punctuation, symbols, emoji, marks, controls.
    case other
    /// Past the end of the text.
    case end
}

/// Reads scalars out of a UTF-8 buffer.
struct ScalarReader {
    let bytes: UnsafeBufferPointer<UInt8>

    /// The kinds of the 128 ASCII scalars, computed once.
    static let asciiKinds: [ScalarKind] = (0..<128).map { kind(of: Unicode.Scalar(UInt8($0))) }

    /// The scalar starting at byte `index`: its value, its length in bytes (1-4) and its kind.
    /// At or past the end it is `(UInt32.max, 0, .end)`.
    @inline(__always)
    func scalar(at index: Int) -> (value: UInt32, length: Int, kind: ScalarKind) {
        if index >= bytes.count { return (UInt32.max, 0, .end) }
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1, Self.asciiKinds[Int(lead)]) }
        // Lead byte 110xxxxx, 1110xxxx or 11110xxx, then 10xxxxxx continuation bytes.
        let length = lead >= 0xF0 ? 4 : (lead >= 0xE0 ? 3 : 2)
        var value = UInt32(lead) & (0x7F >> UInt32(length))
        for offset in 1..<length {
            value = (value << 6) | (UInt32(bytes[index + offset]) & 0x3F)
        }
        return (value, length, Self.kind(of: Unicode.Scalar(value)!))
    }

    /// The end of the run of `kind` scalars starting at `start`, at most `limit` of them.
    @inline(__always)
    func end(ofRunOf kind: ScalarKind, from start: Int, atMost limit: Int = Int.max) -> Int {
        var index = start
        var taken = 0
        while taken < limit {
            let next = scalar(at: index)
            if next.kind != kind { break }
            index += next.length
            taken += 1
        }
        return index
    }

    /// The kind of a scalar, from its Unicode properties.
    static func kind(of scalar: Unicode.Scalar) -> ScalarKind {
        if scalar == "\n" || scalar == "\r" { return .newline }
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// The lowercase ASCII letter that `value` matches case-insensitively (as the regex's
    /// `(?i:...)` does with Unicode simple case folding), or "\0" for anything else.
    /// A...Z fold to a...z, and U+017F (long s) folds to "s".
    static func caseFolded(_ value: UInt32) -> Unicode.Scalar {
        switch value {
        case 0x41...0x5A: return Unicode.Scalar(UInt8(value + 0x20))
        case 0x61...0x7A: return Unicode.Scalar(UInt8(value))
        case 0x17F: return "s"
        default: return "\0"
        }
    }
}

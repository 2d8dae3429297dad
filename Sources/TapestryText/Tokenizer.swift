// Tokenizer: what a language model needs from a tokenizer, and how to store one as text.
//
// A model only sees integers in 0..<vocabularySize. A tokenizer maps text to such ids and back.
// Two kinds live here: `CharTokenizer` (one id per Unicode scalar, nanoGPT's char model) and
// `BPETokenizer` (byte-level byte-pair encoding, GPT-2/GPT-4 style).
//
// Serialization: `serialized()` renders a tokenizer as ONE string whose first line names its
// kind and format version (`tapestry-char v1`, `tapestry-bpe v1`). A checkpoint stores that
// string in its metadata; `TokenizerFile.deserialize` reads it back as the right kind:
//
//     let text = tokenizer.serialized()                       // "tapestry-char v1\n..."
//     let same = try TokenizerFile.deserialize(text, source: "ck.safetensors")
//     same.kind == tokenizer.kind                             // true
//
// What it is not: a registry of every tokenizer format; only Tapestry's own two.

/// The kinds of tokenizer Tapestry knows, by the name used in files and metadata.
public enum TokenizerKind: String, Sendable, CaseIterable {
    /// One token per Unicode scalar of a fixed vocabulary (`CharTokenizer`).
    case char
    /// Byte-level byte-pair encoding (`BPETokenizer`).
    case bpe
}

/// Text to token ids and back.
///
/// Law: `decode(try encode(s)) == s` for every `s` the tokenizer can encode.
public protocol Tokenizer: Sendable {
    /// Which kind this is; also the first word of `serialized()`'s header.
    var kind: TokenizerKind { get }
    /// Ids run over `0..<vocabularySize` (the size of the model's embedding table).
    var vocabularySize: Int { get }
    /// The token ids of `text`. A `CharTokenizer` throws on a character outside its
    /// vocabulary; a `BPETokenizer` throws only if the text contains a special token
    /// (use its `encode(_:specialTokens:)` to choose how to treat those).
    func encode(_ text: String) throws(TextError) -> [Int]
    /// The text of `ids`. An id outside the vocabulary becomes U+FFFD (the replacement
    /// character), so a sampled sequence can always be shown.
    func decode(_ ids: [Int]) -> String
    /// The exact UTF-8 bytes of `ids`; throws `.unknownTokenID` on an id outside the vocabulary.
    /// (A BPE token may be half a character, so these bytes need not be valid UTF-8.)
    func decodeBytes(_ ids: [Int]) throws(TextError) -> [UInt8]
    /// The whole tokenizer as one string, readable by `TokenizerFile.deserialize`.
    func serialized() -> String
}

/// Reading and writing any tokenizer as text: a file, or a string in checkpoint metadata.
public enum TokenizerFile {
    /// Rebuilds the tokenizer that `serialized()` produced. `source` names where the text came
    /// from (a path, or `"checkpoint metadata"`) in error messages, which also give the line.
    public static func deserialize(_ text: String, source: String) throws(TextError) -> any Tokenizer {
        var firstLine = String(decoding: text.utf8.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        if firstLine.utf8.last == UInt8(ascii: "\r") { firstLine.removeLast() }
        switch firstLine {
        case CharTokenizer.formatHeader: return try CharTokenizer(serialized: text, source: source)
        case BPETokenizer.formatHeader: return try BPETokenizer(serialized: text, source: source)
        default:
            throw .badTokenizerFile(source: source, line: 1, reason:
                "expected '\(BPETokenizer.formatHeader)' or '\(CharTokenizer.formatHeader)', found \(TextLines.shown(firstLine))")
        }
    }

    /// Loads a tokenizer file of either kind. Errors name the path (and the line).
    public static func load(path: String) throws(TextError) -> any Tokenizer {
        let bytes = try TextFile.readBytes(path: path)
        if bytes.isEmpty { throw .emptyFile(path: path) }
        return try deserialize(TextFile.decodeUTF8(bytes, name: path), source: path)
    }

    /// Writes `tokenizer.serialized()` to `path` atomically.
    public static func save(_ tokenizer: any Tokenizer, to path: String) throws(TextError) {
        try TextFile.writeAtomically(Array(tokenizer.serialized().utf8), to: path)
    }
}

// TextError: every way reading text, loading a tokenizer or encoding can fail, as one line.
//
// Each case carries what a person needs to fix the problem: the file and line, the flag, the
// character and its position. `description` renders it as ONE line with no stack trace, so a
// program can print it and exit (the `tokenizer` program exits 1 on these). Usage mistakes on
// the command line are a separate type, `UsageError`, because they exit 2.
//
// What it is not: a place for programming errors (a negative index passed by the caller still
// traps, as in the standard library).

/// A failure to read, parse, encode or write text, rendered as one readable line.
///
///     print(TextError.emptyFile(path: "data/empty.txt"))
///     // data/empty.txt: the file is empty
public enum TextError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file or directory at `path`.
    case fileNotFound(path: String)
    /// `path` is a directory where a file was expected.
    case isDirectory(path: String)
    /// The file exists but has no bytes (a corpus must have some text).
    case emptyFile(path: String)
    /// The bytes are not UTF-8; `byteOffset` is the first byte of the first bad sequence.
    case notUTF8(path: String, byteOffset: Int)
    /// The operating system refused to read the file (permissions, I/O error...).
    case unreadable(path: String, reason: String)
    /// Writing (or renaming the temporary file onto) `path` failed.
    case writeFailed(path: String, reason: String)
    /// A tokenizer file (or serialized tokenizer) is malformed at 1-based line `line`.
    case badTokenizerFile(source: String, line: Int, reason: String)
    /// `encode` met a character the character-level vocabulary does not contain.
    /// `position` counts Unicode scalars from 0, like a Python `str` index.
    case outOfVocabulary(character: Unicode.Scalar, position: Int)
    /// A token id that the tokenizer does not define; `position` is its index in the input.
    case unknownTokenID(id: Int, position: Int, vocabularySize: Int)
    /// The text contains a special token but the caller did not choose how to treat it.
    case specialTokenInText(name: String, byteOffset: Int)
    /// A requested vocabulary or special token that cannot exist.
    case invalidVocabulary(reason: String)
    /// Input data (token ids to decode, for example) that `source` got wrong.
    case invalidInput(source: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .isDirectory(let path):
            return "\(path): is a directory, expected a file"
        case .emptyFile(let path):
            return "\(path): the file is empty"
        case .notUTF8(let path, let offset):
            return "\(path): not UTF-8 text (invalid byte at offset \(offset)); is it a binary file?"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .badTokenizerFile(let source, let line, let reason):
            return "\(source):\(line): \(reason)"
        case .outOfVocabulary(let character, let position):
            return "character \(Self.quoted(character)) (U+\(Self.hex(character.value))) at position \(position) is not in the vocabulary"
        case .unknownTokenID(let id, let position, let size):
            return "token id \(id) at position \(position) is not in the vocabulary (size \(size))"
        case .specialTokenInText(let name, let offset):
            return "the text contains the special token \(name) at byte \(offset); choose to allow it or to encode it as ordinary text"
        case .invalidVocabulary(let reason):
            return reason
        case .invalidInput(let source, let reason):
            return "\(source): \(reason)"
        }
    }

    /// A scalar shown so that it stays on one line: `'a'`, `'\n'`, `'\u{7}'`.
    static func quoted(_ scalar: Unicode.Scalar) -> String {
        "'" + scalar.escaped(asASCII: false) + "'"
    }

    /// Upper-case hexadecimal with at least 4 digits, as in `U+000A`.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

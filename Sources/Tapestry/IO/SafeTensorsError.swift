// SafeTensorsError: why a safetensors file could not be read, or a tensor not taken from it.
//
// Every message is one line that starts with the file (or the label a caller gave to bytes
// in memory) and says what was expected and what was found, e.g.
// `model.safetensors: tensor "wte" is F32 [65, 128] (33280 bytes) but data_offsets [0, 100] hold 100 bytes`.

/// A problem with a safetensors file, naming the file and the problem.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, for code that wants to react to a kind of problem (tests do).
    public enum Reason: Sendable, Equatable {
        /// The file does not exist.
        case fileNotFound
        /// The file exists but could not be read (a directory, no permission, I/O error).
        case unreadable
        /// The file has zero bytes.
        case empty
        /// The file ends early: under 8 bytes, or before the last tensor's data ends.
        case truncated
        /// The 8-byte header length is larger than what follows it (or than 100 MB).
        case headerTooLarge
        /// The header is not valid UTF-8.
        case invalidUTF8
        /// The header is not valid JSON.
        case invalidJSON
        /// The header is valid JSON but not an object.
        case headerNotObject
        /// The same key appears twice in one JSON object.
        case duplicateKey
        /// A tensor entry lacks `dtype`/`shape`/`data_offsets` or has the wrong JSON type there.
        case invalidEntry
        /// A dtype this reader does not know.
        case unsupportedDType
        /// `data_offsets` span a different number of bytes than `shape` and `dtype` need.
        case shapeMismatch
        /// `data_offsets` are not two ordered integers in range.
        case offsetsOutOfRange
        /// Two tensors' data overlap.
        case overlappingOffsets
        /// The tensors do not cover the data section exactly: a gap, or bytes after the last tensor.
        case bufferNotCovered
        /// `__metadata__` is not an object whose values are all strings.
        case nonStringMetadata
        /// A tensor named `__metadata__` cannot be written.
        case reservedName
        /// No tensor with that name.
        case tensorNotFound
        /// The tensor has a dtype the caller did not ask for.
        case wrongDType
        /// Writing the file failed (missing directory, disk full, ...).
        case writeFailed
    }

    /// The path, or a label such as `"<memory>"`.
    public let source: String
    /// The kind of problem.
    public let reason: Reason
    /// What was expected and what was found.
    public let detail: String

    public init(source: String, reason: Reason, detail: String) {
        self.source = source
        self.reason = reason
        self.detail = detail
    }

    /// `<source>: <detail>`, one line.
    public var description: String { "\(source): \(detail)" }
}

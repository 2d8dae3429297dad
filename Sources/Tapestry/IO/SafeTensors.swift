// SafeTensors: read Hugging Face's safetensors format, the checkpoint format Tapestry uses.
//
// What it is: a strict reader of the whole file into memory, and (in SafeTensors+Writing)
// a writer whose output is byte-for-byte what Python's `safetensors` writes.
// What it is not: memory-mapped or lazy. Tapestry's checkpoints are a few megabytes.
//
// The format (https://github.com/huggingface/safetensors):
//
//   [ N: UInt64, little-endian ][ N bytes of UTF-8 JSON header ][ data section ]
//
//   {"__metadata__":{"step":"100"},
//    "wte":{"dtype":"F32","shape":[65,128],"data_offsets":[0,33280]}, ...}
//
// `data_offsets` are [begin, end) byte positions relative to the start of the data section;
// tensor data is row-major and little-endian. `__metadata__` (optional) maps strings to strings.
//
// What the reader accepts and rejects, compared with Python's `safetensors` 0.8:
// - Same: header length over 100 MB or past the end of the file; invalid UTF-8; invalid
//   JSON (serde_json's rules: no comments, no trailing commas, no leading zeros, whitespace
//   only around the value); a header that is not an object; unknown dtypes; `shape` entries
//   that are not non-negative integers (`1.0` and `1e0` are rejected); `data_offsets` that
//   are not exactly two integers; a byte span that does not match shape x dtype; tensors
//   that overlap, leave a gap, or do not end exactly at the end of the file; non-string
//   metadata. Unknown fields inside a tensor entry are ignored, `"__metadata__": null`
//   means no metadata, and tensors may appear in any order and at unaligned offsets.
// - Stricter: a repeated key anywhere (Python keeps the last of two tensors with the same
//   name, or two equal metadata keys) is an error, because a checkpoint with two different
//   "wte" tensors is broken, not ambiguous. The sub-byte dtypes F4/F6_* are unsupported.
//   Names are Swift Strings, so two names that differ only in Unicode normalization
//   ("é" vs "e"+U+0301) count as the same name and are reported as a duplicate.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The contents of a safetensors file: named tensors and string metadata.
///
/// ```swift
/// var file = SafeTensorsFile(metadata: ["step": "100"])
/// file.tensors["wte"] = StoredTensor(wte)          // a [65, 128] Float32 Tensor
/// try file.write(to: "out/model.safetensors")
/// let back = try SafeTensorsFile.read(path: "out/model.safetensors")
/// let wte2 = try back.tensor("wte")                 // Tensor, shape [65, 128]
/// ```
public struct SafeTensorsFile: Sendable {
    /// Tensors by name.
    public var tensors: [String: StoredTensor]
    /// The header's `__metadata__` (empty when the file has none).
    public var metadata: [String: String]
    /// Where these tensors came from (a path, or a label such as `"<memory>"`); errors name it.
    public var source: String

    /// A file's contents built in memory.
    public init(tensors: [String: StoredTensor] = [:], metadata: [String: String] = [:], source: String = "<memory>") {
        self.tensors = tensors
        self.metadata = metadata
        self.source = source
    }

    /// Float32 tensors, stored as `F32`.
    public init(floatTensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.init(tensors: floatTensors.mapValues { StoredTensor($0) }, metadata: metadata)
    }

    /// Tensor names in byte order of their UTF-8 spelling.
    public var names: [String] { tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

    // MARK: - Taking tensors out

    /// The `F32` tensor `name` as a Tensor. Throws if it is missing or has another dtype
    /// (use `floatTensor` to convert F16, BF16, I8, ... on purpose).
    public func tensor(_ name: String) throws(SafeTensorsError) -> Tensor {
        let stored = try storedTensor(name)
        guard let tensor = stored.float32Tensor else {
            throw SafeTensorsError(source: source, reason: .wrongDType,
                                   detail: "tensor \"\(name)\" is \(stored.dtype.rawValue) \(stored.shape), expected F32")
        }
        return tensor
    }

    /// The tensor `name` converted to Float32, whatever its numeric dtype.
    public func floatTensor(_ name: String) throws(SafeTensorsError) -> Tensor {
        let stored = try storedTensor(name)
        guard let values = stored.floatValues else {
            throw SafeTensorsError(source: source, reason: .wrongDType,
                                   detail: "tensor \"\(name)\" is \(stored.dtype.rawValue), which has no Float32 conversion")
        }
        return Tensor(shape: stored.shape, scalars: values)
    }

    /// The `I8` tensor `name`, with its shape.
    public func int8Tensor(_ name: String) throws(SafeTensorsError) -> (values: [Int8], shape: [Int]) {
        let stored = try storedTensor(name)
        guard let values = stored.int8Values else {
            throw SafeTensorsError(source: source, reason: .wrongDType,
                                   detail: "tensor \"\(name)\" is \(stored.dtype.rawValue) \(stored.shape), expected I8")
        }
        return (values, stored.shape)
    }

    /// The stored tensor `name`, or an error listing what the file does have.
    public func storedTensor(_ name: String) throws(SafeTensorsError) -> StoredTensor {
        guard let stored = tensors[name] else {
            let some = names.prefix(8).map { "\"\($0)\"" }.joined(separator: ", ")
            throw SafeTensorsError(source: source, reason: .tensorNotFound,
                                   detail: "no tensor named \"\(name)\" (the file has \(tensors.count): \(some)\(tensors.count > 8 ? ", ..." : ""))")
        }
        return stored
    }

    // MARK: - Reading

    /// Reads and checks a whole file.
    public static func read(path: String) throws(SafeTensorsError) -> SafeTensorsFile {
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(path)
        } catch {
            let reason: SafeTensorsError.Reason = error.code == ENOENT ? .fileNotFound : .unreadable
            let detail = error.code == ENOENT ? "file not found" : "cannot read: \(error.reason)"
            throw SafeTensorsError(source: path, reason: reason, detail: detail)
        }
        return try parse(bytes: bytes, source: path)
    }

    /// Parses and checks the bytes of a whole file. `source` names it in errors.
    public static func parse(bytes: [UInt8], source: String = "<memory>") throws(SafeTensorsError) -> SafeTensorsFile {
        func fail(_ reason: SafeTensorsError.Reason, _ detail: String) -> SafeTensorsError {
            SafeTensorsError(source: source, reason: reason, detail: detail)
        }
        guard !bytes.isEmpty else { throw fail(.empty, "file is empty (a safetensors file starts with an 8-byte header length)") }
        guard bytes.count >= 8 else { throw fail(.truncated, "file is \(bytes.count) bytes, shorter than the 8-byte header length") }

        // 1. Header length, checked against the file before anything is allocated for it.
        let declared = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let available = bytes.count - 8
        guard declared <= UInt64(available) else {
            throw fail(.headerTooLarge, "header length says \(declared) bytes but only \(available) bytes follow it (a truncated file, or not safetensors)")
        }
        guard declared <= maximumHeaderLength else {
            throw fail(.headerTooLarge, "header length \(declared) is over the 100 MB limit")
        }
        let headerEnd = 8 + Int(declared)
        let header = bytes[8..<headerEnd]

        // 2. Header text: UTF-8, JSON, an object.
        guard isValidUTF8(header) else { throw fail(.invalidUTF8, "header is not valid UTF-8") }
        let json: JSONValue
        do {
            json = try parseJSON(header)
        } catch {
            if case .duplicateKey(let key) = error.kind {
                throw fail(.duplicateKey, "header has the key \"\(key)\" twice (at header byte \(error.offset))")
            }
            throw fail(.invalidJSON, "header is not valid JSON: \(error.message) at header byte \(error.offset)")
        }
        guard case .object(let members) = json else { throw fail(.headerNotObject, "header is JSON but not an object") }

        // 3. Entries: metadata, and each tensor's dtype, shape and byte span.
        var metadata: [String: String] = [:]
        var entries: [(name: String, info: TensorEntry)] = []
        for (key, value) in members {
            if key == metadataKey {
                metadata = try readMetadata(value, fail: fail)
            } else {
                entries.append((key, try TensorEntry(name: key, json: value, fail: fail)))
            }
        }

        // 4. Layout: sorted by offset, the spans must tile [0, data length) exactly.
        entries.sort { ($0.info.begin, $0.info.end) < ($1.info.begin, $1.info.end) }
        let dataLength = bytes.count - headerEnd
        var covered = 0
        for (name, info) in entries {
            if info.begin < covered {
                throw fail(.overlappingOffsets, "tensor \"\(name)\" data_offsets [\(info.begin), \(info.end)] overlap the previous tensor, which ends at \(covered)")
            }
            if info.begin > covered {
                throw fail(.bufferNotCovered, "gap in the data section: bytes \(covered)..<\(info.begin) belong to no tensor (next is \"\(name)\")")
            }
            covered = info.end
        }
        if covered > dataLength {
            throw fail(.truncated, "file is truncated: tensors need \(covered) data bytes, the file has \(dataLength)")
        }
        if covered < dataLength {
            throw fail(.bufferNotCovered, "\(dataLength - covered) bytes after the last tensor's data (tensors cover \(covered) of \(dataLength))")
        }

        // 5. Copy each tensor's bytes out.
        var tensors: [String: StoredTensor] = [:]
        tensors.reserveCapacity(entries.count)
        for (name, info) in entries {
            let data = Array(bytes[(headerEnd + info.begin)..<(headerEnd + info.end)])
            tensors[name] = StoredTensor(checkedDType: info.dtype, shape: info.shape, bytes: data)
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata, source: source)
    }

    /// The reserved header key for string metadata.
    static let metadataKey = "__metadata__"
    /// Python's reader refuses headers over 100 MB; so does this one.
    static let maximumHeaderLength: UInt64 = 100_000_000

    private static func readMetadata(
        _ value: JSONValue, fail: (SafeTensorsError.Reason, String) -> SafeTensorsError
    ) throws(SafeTensorsError) -> [String: String] {
        if case .null = value { return [:] }
        guard case .object(let pairs) = value else { throw fail(.nonStringMetadata, "__metadata__ is not an object") }
        var metadata: [String: String] = [:]
        for (key, item) in pairs {
            guard case .string(let text) = item else {
                throw fail(.nonStringMetadata, "__metadata__ value for \"\(key)\" is not a string")
            }
            metadata[key] = text
        }
        return metadata
    }
}

/// One tensor's header entry, checked on its own: dtype known, shape and offsets integers,
/// and the span's length equal to shape x dtype size.
private struct TensorEntry {
    let dtype: DType
    let shape: [Int]
    let begin: Int
    let end: Int

    init(name: String, json: JSONValue,
         fail: (SafeTensorsError.Reason, String) -> SafeTensorsError) throws(SafeTensorsError) {
        guard case .object(let fields) = json else { throw fail(.invalidEntry, "tensor \"\(name)\": entry is not an object") }
        func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
            guard let value = fields.first(where: { $0.key == key })?.value else {
                throw fail(.invalidEntry, "tensor \"\(name)\": missing \"\(key)\"")
            }
            return value
        }
        guard case .string(let dtypeName) = try field("dtype") else {
            throw fail(.invalidEntry, "tensor \"\(name)\": dtype is not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail(.unsupportedDType, "tensor \"\(name)\": unsupported dtype \"\(dtypeName)\"")
        }
        guard case .array(let dimensions) = try field("shape"),
              case let shape = dimensions.compactMap(\.nonNegativeInteger), shape.count == dimensions.count else {
            throw fail(.invalidEntry, "tensor \"\(name)\": shape is not a list of non-negative integers")
        }
        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
              let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger else {
            throw fail(.offsetsOutOfRange, "tensor \"\(name)\": data_offsets is not [begin, end] with non-negative integers")
        }
        guard begin <= end else {
            throw fail(.offsetsOutOfRange, "tensor \"\(name)\": data_offsets [\(begin), \(end)] end before they begin")
        }
        // bytes = product(shape) * dtype size, refusing overflow instead of trapping on it
        // (multiplied in the same order as the Rust reader, so both refuse the same shapes).
        var elementCount = 1
        var overflow = false
        for dimension in shape where !overflow {
            (elementCount, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
        }
        let (byteCount, sizeOverflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, !sizeOverflow else {
            throw fail(.shapeMismatch, "tensor \"\(name)\": shape \(shape) is too large to address")
        }
        guard end - begin == byteCount else {
            throw fail(.shapeMismatch, "tensor \"\(name)\" is \(dtype.rawValue) \(shape) (\(byteCount) bytes) but data_offsets [\(begin), \(end)] hold \(end - begin) bytes")
        }
        (self.dtype, self.shape, self.begin, self.end) = (dtype, shape, begin, end)
    }
}

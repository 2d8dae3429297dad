// StoredTensor: one tensor as a file holds it, raw little-endian bytes plus dtype and shape.
//
// What it is: the element types a safetensors file can name (`DType`), and a tensor kept as
// bytes, with conversions to Tapestry's Float32 `Tensor` (and to `[Int8]` for quantized
// weights). Keeping bytes, not floats, lets a file round-trip exactly whatever its dtype.
// What it is not: a compute type. Ops only ever see `Tensor` (Float32).
// Lesson: notebooks-md/12-quantization-context.md

/// An element type of a safetensors file, spelled as in the file's header (`"F32"`).
///
/// The cases are declared in the order of the Rust `safetensors` crate's `Dtype` enum
/// (increasing alignment). The writer sorts tensors by that order, descending, so that every
/// tensor's data starts at an offset aligned to its element size, as Python's writer does.
/// The sub-byte types `F4`, `F6_E2M3` and `F6_E3M2` are not supported (reading them fails
/// with "unsupported dtype"), although Python can read them.
public enum DType: String, CaseIterable, Sendable, Comparable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case float8E5M2 = "F8_E5M2"
    case float8E4M3 = "F8_E4M3"
    case float8E8M0 = "F8_E8M0"
    case float8E4M3FNUZ = "F8_E4M3FNUZ"
    case float8E5M2FNUZ = "F8_E5M2FNUZ"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case complex64 = "C64"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3, .float8E8M0, .float8E4M3FNUZ, .float8E5M2FNUZ: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .complex64, .float64, .int64, .uint64: 8
        }
    }

    /// Declaration order, the order the Rust crate sorts by.
    var rank: Int { DType.allCases.firstIndex(of: self)! }

    public static func < (lhs: DType, rhs: DType) -> Bool { lhs.rank < rhs.rank }
}

/// A tensor as stored in a file: element type, shape, and `count * dtype.byteSize` raw
/// little-endian bytes in row-major order.
///
/// ```swift
/// let stored = StoredTensor(Tensor([1, 2]))      // F32, shape [2], 8 bytes
/// stored.bytes                                   // [0, 0, 128, 63, 0, 0, 0, 64]
/// ```
public struct StoredTensor: Equatable, Sendable {
    /// Element type.
    public let dtype: DType
    /// Size of each dimension, outermost first. `[]` is a scalar (one element).
    public let shape: [Int]
    /// Raw little-endian element bytes; always `elementCount * dtype.byteSize` of them.
    public let bytes: [UInt8]

    /// Number of elements: the product of `shape`.
    public var elementCount: Int { shape.reduce(1, *) }

    /// Wraps raw bytes. Stops the program with a readable message if the byte count does not
    /// match `shape` and `dtype` (a programming error; files are checked by the reader).
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "StoredTensor: negative dimension in shape \(shape)")
        let expected = shape.reduce(1, *) * dtype.byteSize
        precondition(bytes.count == expected,
                     "StoredTensor: \(dtype.rawValue) \(shape) needs \(expected) bytes, got \(bytes.count)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Reader's initializer: the caller has already checked the byte count.
    init(checkedDType dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A Float32 tensor as `F32` bytes.
    public init(_ tensor: Tensor) {
        let bytes = [UInt8](unsafeUninitializedCapacity: tensor.count * 4) { raw, initialized in
            tensor.withUnsafeBufferPointer { values in
                #if _endian(little)
                // Memory already holds little-endian floats: one copy.
                UnsafeMutableRawBufferPointer(raw).copyMemory(from: UnsafeRawBufferPointer(values))
                #else
                for i in 0..<values.count {
                    UnsafeMutableRawBufferPointer(raw).storeBytes(of: values[i].bitPattern.littleEndian,
                                                                  toByteOffset: 4 * i, as: UInt32.self)
                }
                #endif
            }
            initialized = tensor.count * 4
        }
        self.init(checkedDType: .float32, shape: tensor.shape, bytes: bytes)
    }

    /// Signed bytes as an `I8` tensor (quantized weights). `values.count` must equal the
    /// product of `shape`.
    public init(int8 values: [Int8], shape: [Int]) {
        self.init(dtype: .int8, shape: shape, bytes: values.map { UInt8(bitPattern: $0) })
    }

    /// The elements as `[Int8]`, or nil unless the dtype is `I8`.
    public var int8Values: [Int8]? {
        dtype == .int8 ? bytes.map { Int8(bitPattern: $0) } : nil
    }

    /// An `F32` tensor as a Tensor (one copy on little-endian machines); nil for other dtypes.
    public var float32Tensor: Tensor? {
        guard dtype == .float32 else { return nil }
        var tensor = Tensor(uninitializedShape: shape)
        #if _endian(little)
        tensor.withUnsafeMutableBufferPointer { values in
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(values).copyMemory(from: $0) }
        }
        #else
        tensor = Tensor(shape: shape, scalars: floatValues!)
        #endif
        return tensor
    }

    /// The elements converted to Float32, or nil for dtypes with no such conversion
    /// (the FP8 formats and C64). `F32` is exact; `F64` and 32/64-bit integers round to the
    /// nearest Float; `F16`/`BF16`/8- and 16-bit integers/`BOOL` (0 or 1) are exact.
    public var floatValues: [Float]? {
        let n = elementCount
        return bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float]? in
            // loadUnaligned: a tensor's data offset need not be aligned (Python accepts that).
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch dtype {
            case .float32: return (0..<n).map { Float(bitPattern: load(UInt32.self, $0)) }
            case .float64: return (0..<n).map { Float(Double(bitPattern: load(UInt64.self, $0))) }
            case .float16: return (0..<n).map { floatFromHalfBits(load(UInt16.self, $0)) }
            // bfloat16 is the top half of a float32.
            case .bfloat16: return (0..<n).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }
            case .bool, .uint8: return (0..<n).map { Float(load(UInt8.self, $0)) }
            case .int8: return (0..<n).map { Float(load(Int8.self, $0)) }
            case .int16: return (0..<n).map { Float(load(Int16.self, $0)) }
            case .uint16: return (0..<n).map { Float(load(UInt16.self, $0)) }
            case .int32: return (0..<n).map { Float(load(Int32.self, $0)) }
            case .uint32: return (0..<n).map { Float(load(UInt32.self, $0)) }
            case .int64: return (0..<n).map { Float(load(Int64.self, $0)) }
            case .uint64: return (0..<n).map { Float(load(UInt64.self, $0)) }
            case .float8E5M2, .float8E4M3, .float8E8M0, .float8E4M3FNUZ, .float8E5M2FNUZ, .complex64: return nil
            }
        }
    }
}

/// IEEE 754 half precision (1 sign, 5 exponent, 10 fraction bits) to Float32, exactly.
/// Written out because Swift's `Float16` is unavailable on Intel Macs.
func floatFromHalfBits(_ half: UInt16) -> Float {
    let sign = UInt32(half >> 15) << 31
    let exponent = Int((half >> 10) & 0x1F)
    let fraction = UInt32(half & 0x3FF)
    switch exponent {
    case 0:
        // Zero or subnormal: fraction * 2^-24, exact in Float32.
        let magnitude = Float(fraction) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 0x1F:
        // Infinity (fraction 0) or NaN (payload kept in the top fraction bits).
        return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
    default:
        // Normal: rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | fraction << 13)
    }
}

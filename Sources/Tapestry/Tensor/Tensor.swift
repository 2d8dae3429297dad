// Tensor: a shape plus contiguous row-major Float32 storage, with value semantics.
//
// What it is: the plain data type that every op reads and writes.
// What it is not: an autograd value. Gradients live on the `Tape`; a `Variable` pairs a
// Tensor with its place on the tape. No strides, no views, no dtypes other than Float32.
//
// Layout: element (i0, i1, ..., ik) lives at flat index ((i0 * s1 + i1) * s2 + ...) + ik.

/// An n-dimensional array of Float32 in contiguous row-major order.
///
/// ```swift
/// let x = Tensor([[1, 2, 3], [4, 5, 6]])      // shape [2, 3]
/// x[1, 2]                                      // 6.0
/// x.reshaped([3, 2]).shape                     // [3, 2], shares x's storage
/// ```
///
/// Copies are cheap: two tensors share storage until one of them is written
/// (copy-on-write, checked once per write call, never per element).
public struct Tensor: @unchecked Sendable {
    /// Size of each dimension, outermost first. `[]` is a scalar.
    public private(set) var shape: [Int]
    /// The shared buffer. Internal so ops can read it without a closure.
    @usableFromInline var storage: TensorStorage

    /// Number of elements: the product of `shape`.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    // MARK: - Creation

    /// A tensor of the given shape whose contents are undefined. Ops that overwrite every
    /// element use this to skip a memset.
    public init(uninitializedShape shape: [Int]) {
        Tensor.validate(shape)
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// Wraps an existing storage (used by the tape's buffer pool).
    public init(shape: [Int], storage: TensorStorage) {
        precondition(shape.reduce(1, *) == storage.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    /// All zeros.
    public init(zeros shape: [Int]) {
        Tensor.validate(shape)
        self.shape = shape
        self.storage = TensorStorage(zeroedCount: shape.reduce(1, *))
    }

    /// All ones.
    public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }

    /// Every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitializedShape: shape)
        storage.pointer.initialize(repeating: value, count: count)
    }

    /// A tensor from a flat array in row-major order.
    ///
    /// `Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])` is `[[1, 2], [3, 4]]`.
    public init(shape: [Int], scalars: [Float]) {
        Tensor.validate(shape)
        let n = shape.reduce(1, *)
        precondition(n == scalars.count,
                     "Tensor(shape:scalars:): shape \(shape) needs \(n) values, got \(scalars.count)")
        self.shape = shape
        self.storage = TensorStorage(count: n)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: n) }
    }

    /// A scalar (shape `[]`).
    public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A vector, shape `[n]`.
    public init(_ values: [Float]) { self.init(shape: [values.count], scalars: values) }

    /// A matrix from rows, shape `[rows, columns]`. All rows must have the same length.
    public init(_ rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns },
                     "Tensor([[Float]]): rows have different lengths \(rows.map(\.count))")
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// A rank-3 tensor from nested arrays, shape `[a, b, c]`.
    public init(_ blocks: [[[Float]]]) {
        let inner = blocks.first.map { Tensor($0).shape } ?? [0, 0]
        precondition(blocks.allSatisfy { Tensor($0).shape == inner },
                     "Tensor([[[Float]]]): blocks have different shapes")
        self.init(shape: [blocks.count] + inner, scalars: blocks.flatMap { $0.flatMap { $0 } })
    }

    static func validate(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
    }

    // MARK: - Element access

    /// The elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single element of a one-element tensor (a loss, for example).
    public var item: Float {
        precondition(count == 1, "Tensor.item: expected one element, shape is \(shape)")
        return storage.pointer[0]
    }

    /// Flat row-major index of a multi-index.
    @inlinable public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count,
                     "Tensor subscript: \(index.count) indices for shape \(shape)")
        var flat = 0
        for (i, dim) in zip(index, shape) {
            precondition(i >= 0 && i < dim, "Tensor subscript: index \(index) out of range for shape \(shape)")
            flat = flat * dim + i
        }
        return flat
    }

    /// Element at a multi-index: `x[1, 2]`.
    public subscript(index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set {
            let flat = flatIndex(index)
            withUnsafeMutableBufferPointer { $0[flat] = newValue }
        }
    }

    /// Reads the elements through a pointer, without copying.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Writes the elements through a pointer. Copies the storage first if it is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Read-only base pointer, for kernels. Valid while `self` is alive.
    @inlinable public var pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    // MARK: - Shape

    /// The same elements with another shape of equal element count. Shares storage.
    /// One dimension may be `-1`, meaning "whatever is left".
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let resolved = Tensor.resolve(newShape, count: count, op: "reshaped")
        return Tensor(shape: resolved, storage: storage)
    }

    static func resolve(_ newShape: [Int], count: Int, op: String) -> [Int] {
        var shape = newShape
        if let hole = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            shape[hole] = known == 0 ? 0 : count / known
        }
        guard shape.reduce(1, *) == count, shape.allSatisfy({ $0 >= 0 }) else {
            ShapeError.fail("\(op): cannot view \(count) elements as \(newShape)")
        }
        return shape
    }

    /// True when both tensors have the same shape and every element differs by at most
    /// `tolerance` (absolute).
    public func isClose(to other: Tensor, tolerance: Float = 1e-5) -> Bool {
        guard shape == other.shape else { return false }
        for i in 0..<count where !(abs(storage.pointer[i] - other.storage.pointer[i]) <= tolerance) {
            return false
        }
        return true
    }
}

extension Tensor: Equatable {
    /// Same shape and bitwise-equal elements (so NaN != NaN, and 0 == -0).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && (0..<lhs.count).allSatisfy { lhs.storage.pointer[$0] == rhs.storage.pointer[$0] }
    }
}

extension Tensor {
    /// Element at a flat row-major index.
    public subscript(flat index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "Tensor[flat:]: index \(index) out of range 0..<\(count)")
            return storage.pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "Tensor[flat:]: index \(index) out of range 0..<\(count)")
            withUnsafeMutableBufferPointer { $0[index] = newValue }
        }
    }
}

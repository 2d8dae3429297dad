// Matmul: batched matrix product C = A · B, forward and backward.
//
// Shapes: A [..., m, k] · B [..., k, n] -> C [..., m, n], where the leading (batch) dimensions
// of A and B are equal, or B is a plain matrix [k, n] shared by every batch item.
//   C   = A · B          C[i, j] = Σ_p A[i, p] B[p, j]
//   dA += dC · Bᵀ        since ∂C[i, j]/∂A[i, p] = B[p, j]
//   dB += Aᵀ · dC        since ∂C[i, j]/∂B[p, j] = A[i, p]; a shared B sums this over the batch
// A shared B needs no batch loop at all: the batch rows of A stack into one [batch·m, k]
// matrix, so forward and both gradients are single GEMM calls (dB's sum over the batch
// becomes part of the GEMM's own reduction over batch·m).
// What it is not: broadcasting of batch dimensions beyond "equal or shared 2-D", or
// matrix-vector products (reshape the vector to [k, 1]).
// Lesson: notebooks-md/02-embeddings.md, notebooks-md/05-attention.md

extension Shapes {
    /// The output shape of `a · b`: `[..., m, k] · [..., k, n]` (equal batch dimensions) or
    /// `[..., m, k] · [k, n]` gives `[..., m, n]`. The error names both shapes.
    public static func matmul(_ a: [Int], _ b: [Int], op: String = "matmul",
                              file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> [Int] {
        guard a.count >= 2, b.count >= 2 else {
            throw ShapeError(op: op, "needs matrices of rank >= 2: \(a) x \(b)", file: file, line: line)
        }
        guard a[a.count - 1] == b[b.count - 2] else {
            throw ShapeError(op: op, "inner dimensions differ: \(a) x \(b)", file: file, line: line)
        }
        guard b.count == 2 || Array(a.dropLast(2)) == Array(b.dropLast(2)) else {
            throw ShapeError(op: op, "batch dimensions differ: \(a) x \(b) (B must be [k, n] or have A's batch dimensions)",
                             file: file, line: line)
        }
        return Array(a.dropLast()) + [b[b.count - 1]]
    }
}

/// The GEMM calls of matmul, shared by `Variable.matmul` and `Tensor.matmul`.
struct MatrixProduct {
    /// Number of batch items (1 for plain matrices), and each item's m, k, n.
    let batch: Int, m: Int, k: Int, n: Int
    /// True when B is one [k, n] matrix used by every batch item.
    let sharedB: Bool

    init(_ a: [Int], _ b: [Int]) {
        m = a[a.count - 2]
        k = a[a.count - 1]
        n = b[b.count - 1]
        batch = a.dropLast(2).reduce(1, *)
        sharedB = b.count == 2
    }

    /// C = A · B.
    func forward(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>) {
        if sharedB {                                                        // [batch·m, k] · [k, n]
            GEMM.multiply(m: batch * m, n: n, k: k, a: a, transposeA: false, b: b, transposeB: false,
                          c: c, accumulate: false)
            return
        }
        for item in 0..<batch {                                             // one [m, k] · [k, n] each
            GEMM.multiply(m: m, n: n, k: k, a: a + item * m * k, transposeA: false,
                          b: b + item * k * n, transposeB: false, c: c + item * m * n, accumulate: false)
        }
    }

    /// dA += dC · Bᵀ.
    func accumulateGradientA(_ dc: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into da: UnsafeMutablePointer<Float>) {
        if sharedB {                                                        // [batch·m, n] · [n, k]
            GEMM.multiply(m: batch * m, n: k, k: n, a: dc, transposeA: false, b: b, transposeB: true,
                          c: da, accumulate: true)
            return
        }
        for item in 0..<batch {
            GEMM.multiply(m: m, n: k, k: n, a: dc + item * m * n, transposeA: false,
                          b: b + item * k * n, transposeB: true, c: da + item * m * k, accumulate: true)
        }
    }

    /// dB += Aᵀ · dC (summed over the batch when B is shared).
    func accumulateGradientB(_ a: UnsafePointer<Float>, _ dc: UnsafePointer<Float>, into db: UnsafeMutablePointer<Float>) {
        if sharedB {                                                        // [k, batch·m] · [batch·m, n]
            GEMM.multiply(m: k, n: n, k: batch * m, a: a, transposeA: true, b: dc, transposeB: false,
                          c: db, accumulate: true)
            return
        }
        for item in 0..<batch {
            GEMM.multiply(m: k, n: n, k: m, a: a + item * m * k, transposeA: true,
                          b: dc + item * m * n, transposeB: false, c: db + item * k * n, accumulate: true)
        }
    }
}

extension Variable {
    /// The matrix product `self · other`: `[..., m, k] · [..., k, n]` (equal batch dimensions)
    /// or `[..., m, k] · [k, n]` (one matrix shared by the batch) gives `[..., m, n]`.
    ///
    /// ```swift
    /// let scores = q.matmul(k.transposed(-2, -1))   // [B, nh, T, hs] · [B, nh, hs, T] -> [B, nh, T, T]
    /// ```
    public func matmul(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let (a, b) = (self, other)
        precondition(a.tape === b.tape, "matmul: operands are on different tapes")
        let outShape = checkShapes { () throws(ShapeError) in try Shapes.matmul(a.shape, b.shape, file: file, line: line) }
        let product = MatrixProduct(a.shape, b.shape)
        let c = tape.allocate(outShape)
        func forward() { product.forward(a.value.pointer, b.value.pointer, into: c.storage.pointer) }
        forward()
        return tape.record("matmul", inputs: [a, b], output: c, forward: forward) { dc in
            if let da = a.tape.gradientPointer(a) {                         // dA += dC · Bᵀ
                product.accumulateGradientA(dc, b.value.pointer, into: da)
            }
            if let db = b.tape.gradientPointer(b) {                         // dB += Aᵀ · dC
                product.accumulateGradientB(a.value.pointer, dc, into: db)
            }
        }
    }
}

// MARK: - Plain tensors (no tape)

extension Tensor {
    /// The matrix product `self · other`, with the same shape rules as `Variable.matmul`.
    public func matmul(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let outShape = checkShapes { () throws(ShapeError) in try Shapes.matmul(shape, other.shape, file: file, line: line) }
        let c = Tensor(uninitializedShape: outShape)
        MatrixProduct(shape, other.shape).forward(pointer, other.pointer, into: c.storage.pointer)
        return c
    }
}

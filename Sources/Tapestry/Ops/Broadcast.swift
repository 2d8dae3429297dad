// Broadcast: how the elementwise ops walk two tensors of different shapes.
//
// What it is: the loop plan shared by + - * / (forward and backward, on Variable and on
// Tensor) and by permute. NumPy broadcasting aligns shapes from the right and repeats any
// dimension of size 1. Here "repeated" is written as a stride of 0: element (i, j) of b [1, C]
// broadcast to [N, C] lives at 0·i + 1·j. Neighbouring dimensions that are laid out one after
// the other for every operand are then merged, so the common cases become one or two loops:
//   [N, C] + [N, C]  ->  1 row of N·C elements, inner strides (1, 1): one plain vector loop
//   [N, C] + [C]     ->  N rows of C, inner strides (1, 1); b's row offset stays 0
//   [N, C] * [N, 1]  ->  N rows of C, b's inner stride 0: one b value per row
//   [] * [2, 3]      ->  1 row of 6, a's inner stride 0: a scalar times a vector
// For broadcasting, the innermost merged dimension has stride 0 or 1 for each operand, so the
// row kernels in `Elementwise` are written once per case and vectorize.
// What it is not: a strided tensor type. Tensors stay contiguous; strides exist only inside
// these loops.

/// A loop over an output of `sizes` (row-major, contiguous) that also tracks the offsets of up
/// to two operands with their own strides, merged to as few dimensions as possible.
struct StridedRows {
    /// Sizes of the merged outer dimensions, and each operand's stride along them.
    let outerSizes: [Int]
    let outerStridesA: [Int]
    let outerStridesB: [Int]
    /// Length of one row (the innermost merged dimension) and each operand's stride in it.
    let rowLength: Int
    let innerStrideA: Int
    let innerStrideB: Int

    init(sizes: [Int], stridesA: [Int], stridesB: [Int]) {
        // Drop size-1 dimensions (they move nothing), then merge a dimension into the previous
        // one when, for both operands, stepping the previous one equals stepping this one
        // `size` times.
        var sizesOut: [Int] = [], a: [Int] = [], b: [Int] = []
        for d in sizes.indices where sizes[d] != 1 {
            if let last = sizesOut.indices.last,
               a[last] == stridesA[d] * sizes[d], b[last] == stridesB[d] * sizes[d] {
                sizesOut[last] *= sizes[d]
                a[last] = stridesA[d]
                b[last] = stridesB[d]
            } else {
                sizesOut.append(sizes[d]); a.append(stridesA[d]); b.append(stridesB[d])
            }
        }
        if sizesOut.isEmpty { sizesOut = [1]; a = [0]; b = [0] }   // a single element
        rowLength = sizesOut.removeLast()
        innerStrideA = a.removeLast()
        innerStrideB = b.removeLast()
        outerSizes = sizesOut
        outerStridesA = a
        outerStridesB = b
    }

    /// Calls `body(row, offsetA, offsetB)` for each row in order; the output row starts at
    /// `row · rowLength`.
    @inline(__always)
    func forEachRow(_ body: (_ row: Int, _ offsetA: Int, _ offsetB: Int) -> Void) {
        guard rowLength > 0 else { return }
        StridedRows.walk(outerSizes, outerStridesA, outerStridesB, body)
    }

    /// Visits every index of `sizes` in row-major order, calling `body(n, offsetA, offsetB)`
    /// with n counting 0, 1, 2, ... The offsets are stepped like an odometer, never recomputed.
    @inline(__always)
    static func walk(_ sizes: [Int], _ stridesA: [Int], _ stridesB: [Int],
                     _ body: (_ n: Int, _ offsetA: Int, _ offsetB: Int) -> Void) {
        let count = sizes.reduce(1, *), rank = sizes.count
        if rank <= 1 {                                            // the common case: no odometer
            let strideA = stridesA.first ?? 0, strideB = stridesB.first ?? 0
            for n in 0..<count { body(n, n * strideA, n * strideB) }
            return
        }
        var index = [Int](repeating: 0, count: rank)
        var offsetA = 0, offsetB = 0
        for n in 0..<count {
            body(n, offsetA, offsetB)
            var d = rank - 1
            while d >= 0 {                                        // carry into earlier dimensions
                index[d] += 1
                offsetA += stridesA[d]
                offsetB += stridesB[d]
                if index[d] < sizes[d] { break }
                offsetA -= stridesA[d] * sizes[d]
                offsetB -= stridesB[d] * sizes[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Row-major strides of a contiguous `shape`: `[2, 3, 4]` gives `[12, 4, 1]`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for d in shape.indices.reversed() {
            strides[d] = step
            step *= shape[d]
        }
        return strides
    }
}

/// The loop plan of a broadcasting binary op: `a` and `b` read with stride 0 along the
/// dimensions they repeat, the output written contiguously.
struct BroadcastLayout {
    /// The broadcast shape (from `Shapes.broadcast`).
    let outputShape: [Int]
    /// Operand A is `a`, operand B is `b`.
    let rows: StridedRows

    init(_ a: [Int], _ b: [Int], output: [Int]) {
        outputShape = output
        rows = StridedRows(sizes: output,
                           stridesA: BroadcastLayout.strides(of: a, broadcastTo: output),
                           stridesB: BroadcastLayout.strides(of: b, broadcastTo: output))
    }

    /// Strides that read `shape` as if it had `output`'s shape: missing leading dimensions
    /// and dimensions of size 1 get stride 0. `[3]` in `[2, 3]` gives `[0, 1]`.
    static func strides(of shape: [Int], broadcastTo output: [Int]) -> [Int] {
        let natural = StridedRows.contiguousStrides(shape)
        let padding = output.count - shape.count
        return output.indices.map { d in
            d < padding || shape[d - padding] == 1 ? 0 : natural[d - padding]
        }
    }
}

/// The row kernels of the broadcasting binary ops, shared by `Variable` and `Tensor`.
enum Elementwise {
    /// y = f(a, b) elementwise over the broadcast shape; `y` is contiguous.
    @inline(__always)
    static func forward(_ a: Tensor, _ b: Tensor, _ layout: BroadcastLayout, into y: UnsafeMutablePointer<Float>,
                        _ f: (Float, Float) -> Float) {
        let rows = layout.rows, n = rows.rowLength
        let ap = a.pointer, bp = b.pointer
        rows.forEachRow { row, offsetA, offsetB in
            let x = ap + offsetA, z = bp + offsetB, out = y + row * n
            switch (rows.innerStrideA, rows.innerStrideB) {
            case (1, 1): for j in 0..<n { out[j] = f(x[j], z[j]) }
            case (1, _): let s = z[0]; for j in 0..<n { out[j] = f(x[j], s) }
            case (_, 1): let s = x[0]; for j in 0..<n { out[j] = f(s, z[j]) }
            default: out.update(repeating: f(x[0], z[0]), count: n)
            }
        }
    }

    /// The backward of a broadcasting binary op for one operand ("own"):
    /// `grad[own] += dy · ∂f/∂own`, summed over every output element that read that element.
    /// `derivative(own, other)` is the local derivative; `ownIsA` says which operand is own.
    @inline(__always)
    static func accumulateGradient(_ dy: UnsafePointer<Float>, _ layout: BroadcastLayout,
                                   own: Tensor, other: Tensor, ownIsA: Bool,
                                   into grad: UnsafeMutablePointer<Float>,
                                   _ derivative: (_ own: Float, _ other: Float) -> Float) {
        let rows = layout.rows, n = rows.rowLength
        let ownStride = ownIsA ? rows.innerStrideA : rows.innerStrideB
        let otherStride = ownIsA ? rows.innerStrideB : rows.innerStrideA
        let ownBase = own.pointer, otherBase = other.pointer
        rows.forEachRow { row, offsetA, offsetB in
            let ownOffset = ownIsA ? offsetA : offsetB, otherOffset = ownIsA ? offsetB : offsetA
            let o = ownBase + ownOffset, t = otherBase + otherOffset, g = grad + ownOffset, d = dy + row * n
            switch (ownStride, otherStride) {
            case (1, 1): for j in 0..<n { g[j] += d[j] * derivative(o[j], t[j]) }
            case (1, _): let s = t[0]; for j in 0..<n { g[j] += d[j] * derivative(o[j], s) }
            case (_, 1):                                          // own was repeated along the row: sum
                let s = o[0]
                g[0] += laneSum(n) { j in d[j] * derivative(s, t[j]) }
            default:
                g[0] += laneSum(n) { j in d[j] } * derivative(o[0], t[0])
            }
        }
    }

    /// Σ term(j) for j in 0..<n, kept as 16 partial sums (one per SIMD lane) so the loop
    /// vectorizes. The order is fixed, so the result is reproducible.
    @inline(__always)
    static func laneSum(_ n: Int, _ term: (Int) -> Float) -> Float {
        var lanes = SIMD16<Float>()
        var j = 0
        while j + 16 <= n {
            var chunk = SIMD16<Float>()
            for lane in 0..<16 { chunk[lane] = term(j + lane) }
            lanes += chunk
            j += 16
        }
        var total = Reduction.horizontalSum(lanes)
        while j < n { total += term(j); j += 1 }
        return total
    }
}

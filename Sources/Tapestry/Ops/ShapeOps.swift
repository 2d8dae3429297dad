// ShapeOps: reshape, transpose/permute, slice, concatenate, split.
//
// These ops move elements and never change them, so each backward moves the gradient back:
//   reshape      dx += dy                       same elements, same order (storage is shared)
//   permute      dx[i, j, k] += dy[j, k, i]     the inverse move (for axes [1, 2, 0])
//   slice        dx[.., range, ..] += dy        the rest of dx gets nothing
//   concatenate  dpart += its block of dy
// Tensors are contiguous, so reshape is free and permute copies. Permute uses the merged-
// stride loop of Broadcast.swift: [B, T, nh, hs] -> [B, nh, T, hs] copies whole rows of hs.
// What it is not: views. A slice or transpose is a new contiguous tensor.
// Lesson: notebooks-md/06-causal-multi-head.md

extension Shapes {
    /// The shape `newShape` with its one `-1` filled in, if `shape` has as many elements.
    public static func reshape(_ shape: [Int], to newShape: [Int], op: String = "reshaped",
                               file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> [Int] {
        let count = shape.reduce(1, *)
        let holes = newShape.indices.filter { newShape[$0] == -1 }
        let known = newShape.filter { $0 != -1 }
        guard holes.count <= 1, known.allSatisfy({ $0 >= 0 }) else {
            throw ShapeError(op: op, "cannot reshape \(shape) to \(newShape): at most one -1 and no other negative sizes",
                             file: file, line: line)
        }
        var resolved = newShape
        let product = known.reduce(1, *)
        if let hole = holes.first, product > 0, count % product == 0 { resolved[hole] = count / product }
        guard resolved.allSatisfy({ $0 >= 0 }), resolved.reduce(1, *) == count else {
            throw ShapeError(op: op, "cannot reshape \(shape) (\(count) elements) to \(newShape)", file: file, line: line)
        }
        return resolved
    }

    /// The shape after `permuted(axes)`: `axes` must list every axis once (negatives allowed).
    /// Returns the output shape and the resolved axes.
    public static func permute(_ shape: [Int], axes: [Int], op: String = "permuted",
                               file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> (shape: [Int], axes: [Int]) {
        let resolved = axes.map { $0 < 0 ? $0 + shape.count : $0 }
        guard resolved.sorted() == Array(0..<shape.count) else {
            throw ShapeError(op: op, "axes \(axes) are not a permutation of the \(shape.count) axes of \(shape)",
                             file: file, line: line)
        }
        return (resolved.map { shape[$0] }, resolved)
    }

    /// The shape after `sliced(axis:range)`.
    public static func slice(_ shape: [Int], axis: Int, _ range: Range<Int>, op: String = "sliced",
                             file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> [Int] {
        let d = try Shapes.axis(axis, rank: shape.count, op: op, file: file, line: line)
        guard range.lowerBound >= 0 && range.upperBound <= shape[d] else {
            throw ShapeError(op: op, "range \(range) out of bounds for axis \(axis) of \(shape)", file: file, line: line)
        }
        var result = shape
        result[d] = range.count
        return result
    }

    /// The shape of the parts joined along `axis`: every other dimension must agree.
    public static func concatenate(_ shapes: [[Int]], axis: Int, op: String = "concatenate",
                                   file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> [Int] {
        guard let first = shapes.first else {
            throw ShapeError(op: op, "needs at least one part", file: file, line: line)
        }
        let d = try Shapes.axis(axis, rank: first.count, op: op, file: file, line: line)
        var result = first
        for shape in shapes.dropFirst() {
            var a = shape, b = first
            if a.count == b.count { a[d] = 0; b[d] = 0 }
            guard a == b else {
                throw ShapeError(op: op, "shapes \(first) and \(shape) differ outside axis \(axis)", file: file, line: line)
            }
            result[d] += shape[d]
        }
        return result
    }
}

/// A shape seen as [outer, length, inner] around one axis: the layout every axis op uses.
/// `[2, 3, 4]` around axis 1 is outer 2, length 3, inner 4.
struct AxisView {
    let outer: Int, length: Int, inner: Int
    init(_ shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }
}

/// The copy loops of permute, shared by `Variable.permuted` and `Tensor.transposed`.
enum Permutation {
    /// Loop plan: walk the output in order; operand A is the source element.
    static func rows(_ shape: [Int], axes: [Int]) -> StridedRows {
        let sourceStrides = StridedRows.contiguousStrides(shape)
        return StridedRows(sizes: axes.map { shape[$0] }, stridesA: axes.map { sourceStrides[$0] },
                           stridesB: [Int](repeating: 0, count: axes.count))
    }

    /// y[output order] = x[source order].
    static func gather(_ x: UnsafePointer<Float>, _ rows: StridedRows, into y: UnsafeMutablePointer<Float>) {
        let n = rows.rowLength, step = rows.innerStrideA
        if step == 1 {                                                      // whole rows move
            rows.forEachRow { row, source, _ in (y + row * n).update(from: x + source, count: n) }
            return
        }
        forEachTile(rows) { row, source, rowStride, height in
            for j in 0..<n {
                let from = x + source + j * step, to = y + row * n + j      // column j of the tile
                if height == 16 && rowStride == 1 {                          // one cache line in
                    let column = UnsafeRawPointer(from).loadUnaligned(as: SIMD16<Float>.self)
                    for r in 0..<16 { to[r &* n] = column[r] }
                } else {
                    for r in 0..<height { to[r &* n] = from[r &* rowStride] }
                }
            }
        }
    }

    /// dx[source order] += dy[output order]: the backward of `gather`.
    static func scatterAdd(_ dy: UnsafePointer<Float>, _ rows: StridedRows, into dx: UnsafeMutablePointer<Float>) {
        let n = rows.rowLength, step = rows.innerStrideA
        if step == 1 {                                                      // whole rows move back
            rows.forEachRow { row, source, _ in Kernels.add(dy + row * n, into: dx + source, count: n) }
            return
        }
        forEachTile(rows) { row, source, rowStride, height in
            for j in 0..<n {
                let from = dy + row * n + j, to = dx + source + j * step    // column j of the tile
                if height == 16 && rowStride == 1 {                          // one cache line out
                    var column = SIMD16<Float>()
                    for r in 0..<16 { column[r] = from[r &* n] }
                    let line = UnsafeMutableRawPointer(to)
                    line.storeBytes(of: line.loadUnaligned(as: SIMD16<Float>.self) + column, as: SIMD16<Float>.self)
                } else {
                    for r in 0..<height { to[r &* rowStride] += from[r &* n] }
                }
            }
        }
    }

    /// Visits the output in tiles of up to 16 consecutive rows: `body(firstRow, source,
    /// rowStride, height)`. Why tiles: in a transpose ([m, n] -> [n, m]) one output row reads
    /// the source with stride n, touching a new cache line per element; 16 neighbouring rows
    /// together read 16 neighbouring source elements, one cache line, per step.
    static func forEachTile(_ rows: StridedRows, _ body: (_ row: Int, _ source: Int, _ rowStride: Int, _ height: Int) -> Void) {
        guard rows.rowLength > 0 else { return }
        guard let length = rows.outerSizes.last, let rowStride = rows.outerStridesA.last else {
            body(0, 0, 0, 1)                                                // a single row
            return
        }
        StridedRows.walk(Array(rows.outerSizes.dropLast()), Array(rows.outerStridesA.dropLast()),
                         Array(rows.outerStridesB.dropLast())) { group, source, _ in
            for first in stride(from: 0, to: length, by: 16) {
                body(group * length + first, source + first * rowStride, rowStride, Swift.min(16, length - first))
            }
        }
    }
}

extension Variable {
    /// The same elements with a new shape (one dimension may be -1). Shares storage; free.
    public func reshaped(_ shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let newShape = checkShapes { () throws(ShapeError) in try Shapes.reshape(x.shape, to: shape, file: file, line: line) }
        let y = Tensor(shape: newShape, storage: x.value.storage)
        // Replayed, there is nothing to do: y is x's own buffer, already recomputed.
        return tape.record("reshaped", inputs: [x], output: y, forward: {}) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }       // same order: dx += dy
            Kernels.add(dy, into: dx, count: y.count)
        }
    }

    /// Reorders the axes: output axis d is input axis `axes[d]`. `[B, T, nh, hs]` permuted by
    /// `[0, 2, 1, 3]` is `[B, nh, T, hs]`. Copies.
    public func permuted(_ axes: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let (outShape, resolved) = checkShapes { () throws(ShapeError) in
            try Shapes.permute(x.shape, axes: axes, file: file, line: line)
        }
        let rows = Permutation.rows(x.shape, axes: resolved)
        let y = tape.allocate(outShape)
        func forward() { Permutation.gather(x.value.pointer, rows, into: y.storage.pointer) }
        forward()
        return tape.record("permuted", inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }       // move each dy back
            Permutation.scatterAdd(dy, rows, into: dx)
        }
    }

    /// Swaps two axes (negatives count from the end): `[B, T, C].transposed(1, 2)` is `[B, C, T]`.
    public func transposed(_ axis0: Int, _ axis1: Int, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        permuted(Shapes.swappedAxes(rank: shape.count, axis0, axis1, op: "transposed", file: file, line: line),
                 file: file, line: line)
    }

    /// The elements with index in `range` along `axis`: `[4, 6].sliced(axis: 1, 2..<5)` is `[4, 3]`.
    public func sliced(axis: Int, _ range: Range<Int>, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let outShape = checkShapes { () throws(ShapeError) in try Shapes.slice(x.shape, axis: axis, range, file: file, line: line) }
        let view = AxisView(x.shape, axis: axis < 0 ? axis + x.shape.count : axis)
        let block = range.count * view.inner                                 // copied per outer index
        let skip = range.lowerBound * view.inner
        let y = tape.allocate(outShape)
        let (xp, yp) = (x.value.pointer, y.storage.pointer)
        func forward() {
            for o in 0..<view.outer {
                (yp + o * block).update(from: xp + o * view.length * view.inner + skip, count: block)
            }
        }
        forward()
        return tape.record("sliced", inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }       // dx[.., range, ..] += dy
            for o in 0..<view.outer {
                Kernels.add(dy + o * block, into: dx + o * view.length * view.inner + skip, count: block)
            }
        }
    }

    /// Joins `parts` along `axis`; every other dimension must agree. The inverse of `split`.
    public static func concatenate(_ parts: [Variable], axis: Int,
                                   file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let outShape = checkShapes { () throws(ShapeError) in
            try Shapes.concatenate(parts.map(\.shape), axis: axis, file: file, line: line)
        }
        let tape = parts[0].tape
        precondition(parts.allSatisfy { $0.tape === tape }, "concatenate: parts are on different tapes")
        let d = axis < 0 ? axis + outShape.count : axis
        let view = AxisView(outShape, axis: d)
        let outRow = view.length * view.inner                               // one outer index of y
        let blocks = parts.map { $0.shape[d] * view.inner }                 // each part's share of it
        let y = tape.allocate(outShape)
        let yp = y.storage.pointer
        func forward() {
            var start = 0
            for (part, block) in zip(parts, blocks) {
                for o in 0..<view.outer { (yp + o * outRow + start).update(from: part.value.pointer + o * block, count: block) }
                start += block
            }
        }
        forward()
        return tape.record("concatenate", inputs: parts, output: y, forward: forward) { dy in
            var start = 0
            for (part, block) in zip(parts, blocks) {                       // dpart += its block of dy
                if let dp = part.tape.gradientPointer(part) {
                    for o in 0..<view.outer { Kernels.add(dy + o * outRow + start, into: dp + o * block, count: block) }
                }
                start += block
            }
        }
    }

    /// Cuts `axis` into consecutive pieces of `sizes` (which must add up to the dimension).
    /// `[B, T, 3C].split(axis: -1, sizes: [C, C, C])` gives q, k, v.
    public func split(axis: Int, sizes: [Int], file: StaticString = #fileID, line: UInt = #line) -> [Variable] {
        let x = self
        checkShapes { () throws(ShapeError) in
            let d = try Shapes.axis(axis, rank: x.shape.count, op: "split", file: file, line: line)
            guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == x.shape[d] else {
                throw ShapeError(op: "split", "sizes \(sizes) do not add up to dimension \(x.shape[d]) of \(x.shape)",
                                 file: file, line: line)
            }
        }
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return x.sliced(axis: axis, start..<start + size, file: file, line: line)
        }
    }
}

extension Shapes {
    /// The permutation that swaps `axis0` and `axis1` (negatives count from the end).
    static func swappedAxes(rank: Int, _ axis0: Int, _ axis1: Int, op: String, file: StaticString, line: UInt) -> [Int] {
        checkShapes { () throws(ShapeError) in
            let a = try Shapes.axis(axis0, rank: rank, op: op, file: file, line: line)
            let b = try Shapes.axis(axis1, rank: rank, op: op, file: file, line: line)
            var axes = Array(0..<rank)
            axes.swapAt(a, b)
            return axes
        }
    }
}

// MARK: - Plain tensors (no tape)

extension Tensor {
    /// A copy with `axis0` and `axis1` swapped: `[m, n]` -> `[n, m]` for `transposed(0, 1)`.
    public func transposed(_ axis0: Int, _ axis1: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let axes = Shapes.swappedAxes(rank: rank, axis0, axis1, op: "transposed", file: file, line: line)
        let y = Tensor(uninitializedShape: axes.map { shape[$0] })
        Permutation.gather(pointer, Permutation.rows(shape, axes: axes), into: y.storage.pointer)
        return y
    }
}

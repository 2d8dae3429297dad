// Softmax and log-softmax over the last axis, and the row kernels they share with
// cross-entropy, LayerNorm, GELU and attention.
//
// softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m),  m = maxⱼ xⱼ
// Subtracting the row maximum changes nothing mathematically (it cancels between numerator and
// denominator) but keeps exp from overflowing: the largest exponent is exp(0) = 1.
//
// How a row is computed (PERF.md): a few passes over one row that stays in L1 cache:
//   pass 1: m = max(x)            pass 2: e = exp(x − m), s = Σ e        pass 3: y = e / s
// each pass 16 lanes at a time (SIMD16), with the sum and max reduced by a halving tree at the
// end of the row. The stdlib's `.sum()` and `.max()` on SIMD compile to slow scalar code, so the
// small helpers below do it by hand.
//
// What this is not: softmax over an arbitrary axis (transpose first), or a masked softmax
// (see `causalMask`, or the fused `scaledDotProductAttention`).
// Lesson: notebooks-md/05-attention.md

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Variable {
    /// Softmax over the last axis: `yᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x)`.
    ///
    /// `Tensor([1, 2, 3])` → `[0.0900, 0.2447, 0.6652]`. Each row of the result sums to 1.
    public func softmax(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let columns = RowMath.lastAxis(of: x.shape, op: "softmax", file: file, line: line)
        let rows = x.value.count / columns
        let y = tape.allocate(x.shape)                                      // same shape as x
        let xp = x.value.pointer, yp = y.storage.pointer
        func forward() {
            RowMath.forEachRowRange(rows: rows, columns: columns, SoftmaxRows(x: xp, y: yp, columns: columns))
        }
        forward()

        return tape.record("softmax", inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }
            RowMath.forEachRowRange(rows: rows, columns: columns,
                                    SoftmaxBackwardRows(y: y.pointer, dy: dy, dx: dx, columns: columns))
        }
    }

    /// Log-softmax over the last axis: `yᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m)` with `m = max x`.
    ///
    /// More accurate than `softmax().log()` for very negative entries, which would round to
    /// log(0) = −∞.
    public func logSoftmax(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let columns = RowMath.lastAxis(of: x.shape, op: "logSoftmax", file: file, line: line)
        let rows = x.value.count / columns
        let y = tape.allocate(x.shape)
        let xp = x.value.pointer, yp = y.storage.pointer
        func forward() {
            RowMath.forEachRowRange(rows: rows, columns: columns, LogSoftmaxRows(x: xp, y: yp, columns: columns))
        }
        forward()

        return tape.record("logSoftmax", inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }
            RowMath.forEachRowRange(rows: rows, columns: columns,
                                    LogSoftmaxBackwardRows(y: y.pointer, dy: dy, dx: dx, columns: columns))
        }
    }
}

// The row loops of the four passes above, as values that the threads share (`ParallelLoop`).
// Each `run` handles a range of rows of a [rows, columns] buffer.

/// y = softmax(x), row by row.
struct SoftmaxRows: ParallelLoop {
    let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, columns: Int
    func run(_ rows: Range<Int>) {
        for r in rows { RowMath.softmax(x + r * columns, into: y + r * columns, count: columns) }
    }
}

/// dx += y ⊙ (dy − Σⱼ dyⱼ yⱼ), row by row: dyᵢ/dxⱼ = yᵢ(δᵢⱼ − yⱼ).
struct SoftmaxBackwardRows: ParallelLoop {
    let y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, columns: Int
    func run(_ rows: Range<Int>) {
        for r in rows {
            let offset = r * columns
            RowMath.softmaxBackward(probabilities: y + offset, outputGradient: dy + offset,
                                    into: dx + offset, count: columns, scale: 1, accumulate: true)
        }
    }
}

/// y = x − logΣexp(x), row by row.
struct LogSoftmaxRows: ParallelLoop {
    let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, columns: Int
    func run(_ rows: Range<Int>) {
        for r in rows {
            let row = x + r * columns, out = y + r * columns
            let shift = SIMD16<Float>(repeating: RowMath.logSumExp(row, count: columns))
            RowMath.forEachChunk(columns) { j, lanes in
                RowMath.store(RowMath.load(row + j, lanes) - shift, out + j, lanes)
            }
        }
    }
}

/// dx += dy − softmax · Σᵢ dyᵢ with softmax = exp(y), row by row: dyᵢ/dxⱼ = δᵢⱼ − softmaxⱼ.
struct LogSoftmaxBackwardRows: ParallelLoop {
    let y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, columns: Int
    func run(_ rows: Range<Int>) {
        for r in rows {
            let offset = r * columns
            let gradientSum = SIMD16(repeating: RowMath.sum(dy + offset, count: columns))
            RowMath.forEachChunk(columns) { j, lanes in
                let p = VectorMath.exp(RowMath.load(y + offset + j, lanes))
                let old = RowMath.load(dx + offset + j, lanes)
                let new = old + RowMath.load(dy + offset + j, lanes) - p * gradientSum
                RowMath.store(new, dx + offset + j, lanes)
            }
        }
    }
}

/// The SIMD16 building blocks of the row-wise ops. Everything works on one contiguous row of
/// `count` floats, 16 lanes at a time; the last, partial chunk is loaded with padding lanes
/// that are masked out of every sum, so no branch sits inside the hot loops.
enum RowMath {
    /// The size of the last axis, after checking there is one and it is not empty.
    static func lastAxis(of shape: [Int], op: String, file: StaticString, line: UInt) -> Int {
        checkShapes { () throws(ShapeError) in
            guard let last = shape.last, last > 0 else {
                throw ShapeError(op: op, "needs a non-empty last axis, got shape \(shape)", file: file, line: line)
            }
            return last
        }
    }

    /// Runs `loop` over `0..<rows`, split across threads when the work is large enough to repay
    /// a fork (rows are independent, so the result never depends on the split).
    @inline(__always)
    static func forEachRowRange<Rows: ParallelLoop>(rows: Int, columns: Int, _ loop: Rows) {
        if rows > 1 && rows * columns >= 1 << 15 && Threads.count > 1 {
            Threads.parallelFor(rows, loop)
        } else if rows > 0 {
            loop.run(0..<rows)
        }
    }

    /// Calls `body(j, lanes)` for j = 0, 16, 32, ... < count, with `lanes` = 16 except for a
    /// shorter last chunk.
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (_ start: Int, _ lanes: Int) -> Void) {
        var j = 0
        while j + 16 <= count { body(j, 16); j += 16 }
        if j < count { body(j, count - j) }
    }

    /// Loads `lanes` floats (16 with one unaligned vector load); missing lanes get `padding`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int, padding: Float = 0) -> SIMD16<Float> {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        // Partial: fill a vector in memory, then read it once. (`v[l] = p[l]` would reload the
        // whole vector after every lane, a store-forwarding stall each time.)
        var v = SIMD16<Float>(repeating: padding)
        withUnsafeMutableBytes(of: &v) { bytes in
            for l in 0..<lanes { bytes.storeBytes(of: p[l], toByteOffset: l * 4, as: Float.self) }
        }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int, padding: Float = 0) -> SIMD16<Float> {
        load(UnsafePointer(p), lanes, padding: padding)
    }

    /// Stores the first `lanes` lanes of `v`.
    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
        withUnsafeBytes(of: v) { bytes in
            for l in 0..<lanes { p[l] = bytes.load(fromByteOffset: l * 4, as: Float.self) }
        }
    }

    /// `v` with lanes `lanes..<16` set to `otherwise` (0 by default, so padding never enters a sum).
    @inline(__always)
    static func keepingFirst(_ lanes: Int, of v: SIMD16<Float>, otherwise: Float = 0) -> SIMD16<Float> {
        if lanes >= 16 { return v }
        // (A Float comparison: SIMD16<Int32>'s comparisons compile to a slow lane-by-lane loop.)
        let index = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        return v.replacing(with: otherwise, where: index .>= Float(lanes))
    }

    /// Σ of the 16 lanes by a halving tree: 16 → 8 → 4 → 2 → 1.
    @inline(__always)
    static func sum(_ v: SIMD16<Float>) -> Float {
        let v8 = v.lowHalf + v.highHalf
        let v4 = v8.lowHalf + v8.highHalf
        let v2 = v4.lowHalf + v4.highHalf
        return v2[0] + v2[1]
    }

    /// max of the 16 lanes by a halving tree.
    @inline(__always)
    static func max(_ v: SIMD16<Float>) -> Float {
        let v8 = v.lowHalf.replacing(with: v.highHalf, where: v.lowHalf .< v.highHalf)
        let v4 = v8.lowHalf.replacing(with: v8.highHalf, where: v8.lowHalf .< v8.highHalf)
        let v2 = v4.lowHalf.replacing(with: v4.highHalf, where: v4.lowHalf .< v4.highHalf)
        return v2[0] < v2[1] ? v2[1] : v2[0]
    }

    /// Σ x over one row.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var total = SIMD16<Float>()
        forEachChunk(count) { j, lanes in total += load(x + j, lanes) }
        return sum(total)
    }

    /// Σ a ⊙ b over one row.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var total = SIMD16<Float>()
        forEachChunk(count) { j, lanes in total.addProduct(load(a + j, lanes), load(b + j, lanes)) }
        return sum(total)
    }

    /// max x over one row.
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best = SIMD16<Float>(repeating: -.infinity)
        forEachChunk(count) { j, lanes in
            let v = load(x + j, lanes, padding: -.infinity)
            best = best.replacing(with: v, where: best .< v)
        }
        return max(best)
    }

    /// log Σ exp(x) over one row, computed as m + log Σ exp(x − m) so nothing overflows.
    @inline(__always)
    static func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Float {
        let m = maximum(x, count: count)
        let shift = SIMD16<Float>(repeating: m)
        var total = SIMD16<Float>()
        forEachChunk(count) { j, lanes in
            total += keepingFirst(lanes, of: VectorMath.exp(load(x + j, lanes) - shift))
        }
        return m + logf(sum(total))
    }

    /// y = softmax(x) over one row: max, then exp and sum, then scale. Returns the row's
    /// maximum m and Σ exp(x − m), so log Σ exp(x) = m + log(sum) costs one more `log`.
    @inline(__always) @discardableResult
    static func softmax(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                        count: Int) -> (maximum: Float, sum: Float) {
        let m = maximum(x, count: count)
        let shift = SIMD16<Float>(repeating: m)
        var total = SIMD16<Float>()
        forEachChunk(count) { j, lanes in
            let e = keepingFirst(lanes, of: VectorMath.exp(load(x + j, lanes) - shift))
            store(e, y + j, lanes)
            total += e
        }
        let rowSum = sum(total)
        let inverse = SIMD16<Float>(repeating: 1 / rowSum)
        forEachChunk(count) { j, lanes in store(load(y + j, lanes) * inverse, y + j, lanes) }
        return (m, rowSum)
    }

    /// dx (+)= scale · y ⊙ (dy − Σ dy ⊙ y) over one row: softmax's backward.
    @inline(__always)
    static func softmaxBackward(probabilities y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int, scale: Float, accumulate: Bool) {
        let projection = SIMD16<Float>(repeating: dot(dy, y, count: count))
        let scale = SIMD16<Float>(repeating: scale)
        forEachChunk(count) { j, lanes in
            let g = scale * load(y + j, lanes) * (load(dy + j, lanes) - projection)
            store(accumulate ? load(dx + j, lanes) + g : g, dx + j, lanes)
        }
    }
}

// Kernels: small SIMD16 loops shared by several ops (bias add, column sums, axpy, reductions).
//
// What it is: the loops every op would otherwise rewrite, vectorized 16 floats at a time with
// the row pointer hoisted out of the inner loop, plus a scalar tail that does the same
// arithmetic as a vector lane. What it is not: threaded (callers split rows with
// Threads.parallelFor when a pass is big enough to pay for a fork).
//
// Determinism: every function fixes its order of additions. An element that a loop sums over
// rows is summed in row order 0, 1, 2, ...; whole-buffer reductions use 16 lane partial sums
// and the fixed halving tree of `horizontalSum`. Results depend only on the inputs.
//
// Why the helpers exist: stdlib SIMD `.sum()`, `.max()` and `pointwiseMax` compile to scalar,
// branchy NaN-handling code (PERF.md). `horizontalSum`, `horizontalMax` and `lanewiseMax`
// compile to a few shuffles and vector instructions.

/// Loops over raw Float buffers that more than one op needs.
public enum Kernels {
    // MARK: Row and column kernels

    /// y[r, :] += v for every row r of y [rows, columns] (bias add).
    public static func addRowVector(_ v: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>,
                                    rows: Int, columns: Int) {
        // Rows split over the threads like GEMM's, so each core adds to the rows it just wrote.
        RowMath.forEachRowRange(rows: rows, columns: columns, RowVectorAdd(v: v, y: y, columns: columns))
    }

    /// `addRowVector` on a range of rows.
    struct RowVectorAdd: ParallelLoop {
        let v: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, columns: Int
        func run(_ rows: Range<Int>) {
            for r in rows { add(v, into: y + r * columns, count: columns) }
        }
    }

    /// out[c] += Σ_r x[r, c] for x [rows, columns], adding rows in order 0, 1, 2, ...
    /// (the bias gradient). Each out[c] is ((out[c] + x[0, c]) + x[1, c]) + ..., exactly as the
    /// plain double loop would compute it. Large ones split their columns over the threads
    /// (in groups of 64), which leaves every sum's order as it is.
    public static func addColumnSums(of x: UnsafePointer<Float>, rows: Int, columns: Int,
                                     into out: UnsafeMutablePointer<Float>) {
        let groups = (columns + 63) / 64
        guard groups > 1, rows * columns >= 1 << 15, Threads.count > 1 else {
            return addColumnSums(of: x, rows: rows, columns: columns, rowStride: columns, into: out)
        }
        Threads.parallelFor(groups, ColumnGroupSums(x: x, rows: rows, columns: columns, out: out))
    }

    /// `addColumnSums` of whole groups of 64 columns (the last group may be shorter).
    struct ColumnGroupSums: ParallelLoop {
        let x: UnsafePointer<Float>, rows: Int, columns: Int
        let out: UnsafeMutablePointer<Float>
        func run(_ groups: Range<Int>) {
            let first = groups.lowerBound * 64, end = min(columns, groups.upperBound * 64)
            addColumnSums(of: x + first, rows: rows, columns: end - first, rowStride: columns, into: out + first)
        }
    }

    /// `addColumnSums` of the first `columns` columns of x, whose rows are `rowStride` apart.
    static func addColumnSums(of x: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int,
                              into out: UnsafeMutablePointer<Float>) {
        var c = 0
        // 64 columns at a time: four independent accumulators hide the latency of the adds.
        while c + 64 <= columns {
            var s0 = SIMD16(loading: out + c), s1 = SIMD16(loading: out + c + 16)
            var s2 = SIMD16(loading: out + c + 32), s3 = SIMD16(loading: out + c + 48)
            var row = x + c
            for _ in 0..<rows {
                s0 += SIMD16(loading: row); s1 += SIMD16(loading: row + 16)
                s2 += SIMD16(loading: row + 32); s3 += SIMD16(loading: row + 48)
                row += rowStride
            }
            s0.store(to: out + c); s1.store(to: out + c + 16)
            s2.store(to: out + c + 32); s3.store(to: out + c + 48)
            c += 64
        }
        while c + 16 <= columns {
            var sum = SIMD16(loading: out + c)
            var row = x + c
            for _ in 0..<rows {
                sum += SIMD16(loading: row)
                row += rowStride
            }
            sum.store(to: out + c)
            c += 16
        }
        for column in c..<columns {
            var sum = out[column]
            for r in 0..<rows { sum += x[r * rowStride + column] }
            out[column] = sum
        }
    }

    // MARK: Elementwise kernels

    /// y[i] += a · x[i] for i in 0..<count, with one fused multiply-add per element.
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let scale = SIMD16<Float>(repeating: a)
        var i = 0
        while i + 16 <= count {
            SIMD16(loading: y + i).addingProduct(scale, SIMD16(loading: x + i)).store(to: y + i)
            i += 16
        }
        while i < count {
            y[i] = y[i].addingProduct(a, x[i])
            i += 1
        }
    }

    /// y[i] += x[i] for i in 0..<count.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            (SIMD16(loading: y + i) + SIMD16(loading: x + i)).store(to: y + i)
            i += 16
        }
        while i < count {
            y[i] += x[i]
            i += 1
        }
    }

    /// x[i] *= a for i in 0..<count.
    public static func scale(_ x: UnsafeMutablePointer<Float>, by a: Float, count: Int) {
        let factor = SIMD16<Float>(repeating: a)
        var i = 0
        while i + 16 <= count {
            (SIMD16(loading: x + i) * factor).store(to: x + i)
            i += 16
        }
        while i < count {
            x[i] *= a
            i += 1
        }
    }

    /// x[i] = value for i in 0..<count.
    public static func fill(_ x: UnsafeMutablePointer<Float>, with value: Float, count: Int) {
        x.update(repeating: value, count: count)
    }

    // MARK: Reductions

    /// Σ x[i] for i in 0..<count: 16 lane sums (lane j adds x[j], x[j+16], ... in order; the
    /// tail is added as a zero-padded group), then `horizontalSum`.
    ///
    /// Example: sum of [1, 2, 3] = 6.
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            lanes += SIMD16(loading: x + i)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>()
            for lane in 0..<(count - i) { tail[lane] = x[i + lane] }
            lanes += tail
        }
        return horizontalSum(lanes)
    }

    /// max x[i] for i in 0..<count (−inf when count is 0). NaN elements are skipped.
    public static func max(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            lanes = lanewiseMax(lanes, SIMD16(loading: x + i))
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: -.infinity)
            for lane in 0..<(count - i) { tail[lane] = x[i + lane] }
            lanes = lanewiseMax(lanes, tail)
        }
        return horizontalMax(lanes)
    }

    /// Σ x[i] · y[i] for i in 0..<count, with fused multiply-adds into 16 lane sums, then
    /// `horizontalSum`.
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            lanes.addProduct(SIMD16(loading: x + i), SIMD16(loading: y + i))
            i += 16
        }
        if i < count {
            var tailX = SIMD16<Float>(), tailY = SIMD16<Float>()
            for lane in 0..<(count - i) { tailX[lane] = x[i + lane]; tailY[lane] = y[i + lane] }
            lanes.addProduct(tailX, tailY)
        }
        return horizontalSum(lanes)
    }

    // MARK: SIMD16 helpers

    /// v[0] + v[1] + ... + v[15] as a halving tree: (lanes 0-7 + lanes 8-15), then 4, 2, 1.
    @inlinable @inline(__always)
    public static func horizontalSum(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// The largest lane, as a halving tree of `lanewiseMax`.
    @inlinable @inline(__always)
    public static func horizontalMax(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf.replacing(with: v.highHalf, where: v.lowHalf .< v.highHalf)
        let four = eight.lowHalf.replacing(with: eight.highHalf, where: eight.lowHalf .< eight.highHalf)
        let two = four.lowHalf.replacing(with: four.highHalf, where: four.lowHalf .< four.highHalf)
        return two[0] < two[1] ? two[1] : two[0]
    }

    /// Lane by lane max(a, b); where b is NaN the lane keeps a (so a running maximum that
    /// starts at −inf skips NaN inputs).
    @inlinable @inline(__always)
    public static func lanewiseMax(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        a.replacing(with: b, where: a .< b)
    }
}

// Loads and stores of 16 floats at any address (vmovups). Each kernel file has its own
// fileprivate copy on purpose: the debug build that `swift run` and `swift test` use compiles
// one file at a time and never inlines a function from another file, even one marked
// @inline(__always) or @_transparent, so a shared helper would become a call per vector.
fileprivate extension SIMD16 where Scalar == Float {
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}

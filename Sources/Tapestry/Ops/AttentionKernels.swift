// AttentionKernels: the per-head kernels of scaledDotProductAttention (Attention.swift): a
// masked softmax over one row of scores, the ALiBi bias, and `rowsTimesMatrix`, the one product
// form every attention product is written in (an output row is a weighted sum of rows of
// another matrix, six output rows at a time).
//
// What it is not: a general GEMM (see Kernels/GEMM.swift); these shapes (a head's 64x32 slices)
// are too small to repay packing.

/// The two kernels of one attention head.
enum HeadKernel {
    /// In place: row[0..<visible] = softmax(row[0..<visible]) and row[visible..<padded] = 0,
    /// where `padded` is `visible` rounded up to 16, so every load and store is a whole vector
    /// and the lanes past `visible` (future keys, or padding) are masked out instead.
    @inline(__always)
    static func softmax(_ row: UnsafeMutablePointer<Float>, visible: Int, padded: Int) {
        var best = SIMD16<Float>(repeating: -.infinity)
        for j in stride(from: 0, to: padded, by: 16) {
            let v = Lanes.keepingFirst(visible - j, of: Lanes.load(row + j, 16), otherwise: -.infinity)
            best = best.replacing(with: v, where: best .< v)
        }
        let shift = SIMD16<Float>(repeating: Lanes.max(best))
        var total = SIMD16<Float>()
        for j in stride(from: 0, to: padded, by: 16) {
            let e = Lanes.keepingFirst(visible - j, of: VectorMath.exp(Lanes.load(row + j, 16) - shift))
            Lanes.store(e, row + j, 16)
            total += e
        }
        let inverse = SIMD16<Float>(repeating: 1 / Lanes.sum(total))
        for j in stride(from: 0, to: padded, by: 16) {
            Lanes.store(Lanes.load(row + j, 16) * inverse, row + j, 16)
        }
    }

    /// ALiBi: row[j] −= slope·|queryPosition − j| for j in 0..<count.
    @inline(__always)
    static func addLinearBias(_ row: UnsafeMutablePointer<Float>, count: Int, slope: Float, queryPosition: Int) {
        for j in 0..<count {
            row[j] -= slope * Float(abs(queryPosition - j))
        }
    }

    /// Rows of A that `rowsTimesMatrix` multiplies together: each row of M loaded from L1 then
    /// serves six rows (six broadcasts and FMAs per load instead of one), and the six 16-lane
    /// accumulators (twelve AVX2 registers) keep twelve FMA chains in flight, enough to hide
    /// the FMA latency.
    static let blockRows = 6

    /// For r in 0..<rows: out_r[0..<n] = (accumulate ? out_r : 0) + scale · Σ_{p<k} a_r[p] · M[p, 0..<n],
    /// with a_r[p] at `a + r·rowStride + p·step` (step 1: a row; a column of a matrix otherwise),
    /// out_r at `out + r·outStride`, and row p of M at `m + p·stride`.
    /// Rows of M must be readable up to n rounded up to 16 (the workspace pads them).
    ///
    /// Every output element is ONE chain of fused multiply-adds over p = 0, 1, ..., k−1, starting
    /// from 0, then scaled and added to `out`: the same bits whether a row is computed in a
    /// block or alone (a decoding step with a KV cache computes one row), and trailing zero
    /// terms (a row of the block that sees fewer keys) leave a sum unchanged.
    /// `wide`: `wideBlocks`, read once by the caller (a static with a computed value costs a
    /// `swift_once` call at every read, which ran thousands of times per step here).
    @inline(__always)
    static func rowsTimesMatrix(rows: Int, _ a: UnsafePointer<Float>, rowStride: Int, step: Int = 1, count k: Int,
                                _ m: UnsafePointer<Float>, stride: Int, columns n: Int, scale: Float,
                                into out: UnsafeMutablePointer<Float>, outStride: Int, accumulate: Bool, wide: Bool) {
        if rows == 1 {
            rowTimesMatrix(a, step: step, count: k, m, stride: stride, columns: n, scale: scale, into: out,
                           accumulate: accumulate)
        } else {
            blockTimesMatrix(rows: rows, a, rowStride: rowStride, step: step, count: k, m, stride: stride, columns: n,
                             scale: scale, into: out, outStride: outStride, accumulate: accumulate, wide: wide)
        }
    }

    /// Stores `scale · sum` (+ out when accumulating) into the first min(16, n − at) lanes of out.
    @inline(__always)
    static func write(_ sum: SIMD16<Float>, scale: Float, into out: UnsafeMutablePointer<Float>, at: Int,
                      columns n: Int, accumulate: Bool) {
        let lanes = min(16, n - at)
        var result = sum * scale
        if accumulate { result += Lanes.load(out + at, lanes) }
        Lanes.store(result, out + at, lanes)
    }

    /// Whether `blockTimesMatrix` may take 32 columns at a time: twelve 16-lane accumulators fit
    /// the 32 registers of AVX-512 (with AVX2's 16 they would spill).
    static let wideBlocks = GEMM.defaultPanelWidth == 32

    /// `rowsTimesMatrix` for 2...6 rows: 32 columns at a time (twelve accumulators) when `wide`
    /// (AVX-512), then 16 at a time (six). A block of fewer than six rows repeats its last row in
    /// the missing ones and stores only its own.
    @inline(__always)
    static func blockTimesMatrix(rows: Int, _ a: UnsafePointer<Float>, rowStride: Int, step: Int, count k: Int,
                                 _ m: UnsafePointer<Float>, stride: Int, columns n: Int, scale: Float,
                                 into out: UnsafeMutablePointer<Float>, outStride: Int, accumulate: Bool, wide: Bool) {
        // Offsets of the six rows of A; a short block reads its last row again.
        let o1 = Swift.min(1, rows - 1) * rowStride, o2 = Swift.min(2, rows - 1) * rowStride
        let o3 = Swift.min(3, rows - 1) * rowStride, o4 = Swift.min(4, rows - 1) * rowStride
        let o5 = Swift.min(5, rows - 1) * rowStride
        var first = 0                                   // columns before `first` are done
        while wide && n - first > 16 {
            // Two vectors of M per step of p: each broadcast of A serves two FMAs.
            var s00 = SIMD16<Float>(), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00
            var s30 = s00, s31 = s00, s40 = s00, s41 = s00, s50 = s00, s51 = s00
            var row = m + first, ap = a
            for _ in 0..<k {
                let v0 = Lanes.load(row, 16), v1 = Lanes.load(row + 16, 16)
                var b = SIMD16(repeating: ap[0]); s00.addProduct(b, v0); s01.addProduct(b, v1)
                b = SIMD16(repeating: ap[o1]); s10.addProduct(b, v0); s11.addProduct(b, v1)
                b = SIMD16(repeating: ap[o2]); s20.addProduct(b, v0); s21.addProduct(b, v1)
                b = SIMD16(repeating: ap[o3]); s30.addProduct(b, v0); s31.addProduct(b, v1)
                b = SIMD16(repeating: ap[o4]); s40.addProduct(b, v0); s41.addProduct(b, v1)
                b = SIMD16(repeating: ap[o5]); s50.addProduct(b, v0); s51.addProduct(b, v1)
                row += stride
                ap += step
            }
            // Row r's two vectors, for the rows the block really has.
            @inline(__always) func store(_ low: SIMD16<Float>, _ high: SIMD16<Float>, row r: Int) {
                guard r < rows else { return }
                write(low, scale: scale, into: out + r * outStride, at: first, columns: n, accumulate: accumulate)
                write(high, scale: scale, into: out + r * outStride, at: first + 16, columns: n, accumulate: accumulate)
            }
            store(s00, s01, row: 0); store(s10, s11, row: 1); store(s20, s21, row: 2)
            store(s30, s31, row: 3); store(s40, s41, row: 4); store(s50, s51, row: 5)
            first += 32
        }
        for start in Swift.stride(from: first, to: n, by: 16) {
            var s0 = SIMD16<Float>(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0
            var row = m + start, ap = a
            for _ in 0..<k {
                let v = Lanes.load(row, 16)
                s0.addProduct(SIMD16(repeating: ap[0]), v)
                s1.addProduct(SIMD16(repeating: ap[o1]), v)
                s2.addProduct(SIMD16(repeating: ap[o2]), v)
                s3.addProduct(SIMD16(repeating: ap[o3]), v)
                s4.addProduct(SIMD16(repeating: ap[o4]), v)
                s5.addProduct(SIMD16(repeating: ap[o5]), v)
                row += stride
                ap += step
            }
            write(s0, scale: scale, into: out, at: start, columns: n, accumulate: accumulate)
            write(s1, scale: scale, into: out + outStride, at: start, columns: n, accumulate: accumulate)
            if rows > 2 { write(s2, scale: scale, into: out + 2 * outStride, at: start, columns: n, accumulate: accumulate) }
            if rows > 3 { write(s3, scale: scale, into: out + 3 * outStride, at: start, columns: n, accumulate: accumulate) }
            if rows > 4 { write(s4, scale: scale, into: out + 4 * outStride, at: start, columns: n, accumulate: accumulate) }
            if rows > 5 { write(s5, scale: scale, into: out + 5 * outStride, at: start, columns: n, accumulate: accumulate) }
        }
    }

    /// `rowsTimesMatrix` for one row. Columns go 32 at a time, two independent accumulators,
    /// so that two FMA chains are in flight.
    @inline(__always)
    static func rowTimesMatrix(_ a: UnsafePointer<Float>, step: Int, count k: Int, _ m: UnsafePointer<Float>,
                               stride: Int, columns n: Int, scale: Float, into out: UnsafeMutablePointer<Float>,
                               accumulate: Bool) {
        for start in Swift.stride(from: 0, to: n, by: 32) {
            let second = n - start > 16                        // does this block have a second vector?
            var s0 = SIMD16<Float>(), s1 = s0
            var row = m + start
            for p in 0..<k {
                let ap = SIMD16<Float>(repeating: a[p * step])
                s0.addProduct(ap, Lanes.load(row, 16))
                if second { s1.addProduct(ap, Lanes.load(row + 16, 16)) }
                row += stride
            }
            write(s0, scale: scale, into: out, at: start, columns: n, accumulate: accumulate)
            if second { write(s1, scale: scale, into: out, at: start + 16, columns: n, accumulate: accumulate) }
        }
    }
}

// Vector helpers, a private copy of RowMath's (Softmax.swift) in this file on purpose: the
// debug build that `swift run` and `swift test` use compiles one file at a time and never
// inlines a function from another file, so RowMath's helpers would cost a call per vector
// here (layerNorm ran ~5x and attention ~2x slower in debug than in release before the copy).
fileprivate enum Lanes {
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (_ start: Int, _ lanes: Int) -> Void) {
        var j = 0
        while j + 16 <= count { body(j, 16); j += 16 }
        if j < count { body(j, count - j) }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int, padding: Float = 0) -> SIMD16<Float> {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
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

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
        withUnsafeBytes(of: v) { bytes in
            for l in 0..<lanes { p[l] = bytes.load(fromByteOffset: l * 4, as: Float.self) }
        }
    }

    @inline(__always)
    static func keepingFirst(_ lanes: Int, of v: SIMD16<Float>, otherwise: Float = 0) -> SIMD16<Float> {
        if lanes >= 16 { return v }
        let index = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        return v.replacing(with: otherwise, where: index .>= Float(lanes))
    }

    @inline(__always)
    static func sum(_ v: SIMD16<Float>) -> Float {
        let v8 = v.lowHalf + v.highHalf
        let v4 = v8.lowHalf + v8.highHalf
        let v2 = v4.lowHalf + v4.highHalf
        return v2[0] + v2[1]
    }

    @inline(__always)
    static func max(_ v: SIMD16<Float>) -> Float {
        let v8 = v.lowHalf.replacing(with: v.highHalf, where: v.lowHalf .< v.highHalf)
        let v4 = v8.lowHalf.replacing(with: v8.highHalf, where: v8.lowHalf .< v8.highHalf)
        let v2 = v4.lowHalf.replacing(with: v4.highHalf, where: v4.lowHalf .< v4.highHalf)
        return v2[0] < v2[1] ? v2[1] : v2[0]
    }

    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var total = SIMD16<Float>()
        forEachChunk(count) { j, lanes in total += load(x + j, lanes) }
        return sum(total)
    }
}

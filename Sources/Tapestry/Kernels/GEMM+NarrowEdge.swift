// GEMM+NarrowEdge: the last n % 16 columns of C = A·Bᵀ, with every vector lane doing useful work.
//
// Why: the tiled kernels put one column of C in each of a vector's 16 lanes. lm_head's forward,
// y = x·Wᵀ with n = 73 (the vocabulary), is 64 columns that fill four vectors and 9 that would
// take a fifth with 7 lanes idle: at most 73/80 = 91% useful work; it measured 81-84% of peak,
// and 90-92% with this edge (bench gemm, 2026-12-06, Zen 5).
//
// How: both operands of A·Bᵀ run along k (a row of x, a row of W), so a vector's lanes can be
// split between columns and steps of k. The edge's columns are taken in groups of g = 8, 4, 2 or
// 1 (its width in binary: lm_head's 9 is 8 + 1), and a group's 16 lanes hold its g columns x
// s = 16/g consecutive steps of k: lane (c, d) accumulates A[i, p + d] · B[j0 + c, p + d] for
// p = 0, s, 2s, ... So per step the A side is ONE load of s consecutive floats of row i,
// broadcast (8, 16, 32 or 64 bytes), and the B side one vector of the group's rows packed
// [k/s][g][s] (g·k floats copied per product). At the end each column's s lanes are summed.
//
// Rounding: the one exception to GEMM's "one FMA chain per element" (GEMMTests models it bit
// for bit). Element (i, j) of a group of width g is s = 16/g chains,
//     chain d: c_d = fma(A[i, p], B[j, p], c_d) for p = d, d + s, d + 2s, ... < k, from c_d = 0,
// summed by adjacent pairs ((c0 + c1) + (c2 + c3)) + ..., then added to C when accumulating.
// It does not depend on the tile, the row count m or the thread count: a KV-cache step (m = 1)
// gets the bits of a full forward.
//
// Tiles: 8 rows of one group, 8 accumulators, as many as the FMA latency needs (2 per cycle, 4
// cycles each), 9 loads per 8 FMAs. Rows past the range repeat the last row (computed, not
// stored), so there is one loop. A group of 8, 4 or 2 sums each row's lanes in place and stores
// its g sums side by side into C's row (`RowSummedWidth`); a single column (s = 16: a dot
// product) keeps two tiles' chains and sums 16 rows at once with a transposing tree, one vector
// of 16 sums stored down the column (`storeColumn`). With AVX2 (16 ymm registers) the 8
// accumulators alone fill the register file and spill: not measured, like the rest of that path.

extension GEMM {
    /// Rows of one narrow-edge tile.
    static let edgeTileRows = 8

    /// Whether C's last n % 16 columns are computed by `multiplyNarrowEdge`: for A·Bᵀ with a
    /// plain A, where both operands are read along k.
    static func hasNarrowEdge(n: Int, transposeA: Bool, transposeB: Bool) -> Bool {
        transposeB && !transposeA && n % 16 != 0
    }

    /// C[i, j] (+)= the chains of A[i, ·] · B[j, ·] for i in `rows`, j in `columns` (the file
    /// header's rounding), with A [m, k] and B [n, k] row-major and C [m, ldc].
    static func multiplyNarrowEdge(rows: Range<Int>, columns: Range<Int>, k: Int,
                                   a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                   c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        // The groups packed one after another (a group of g is ceil(k·g/16) vectors: at most
        // 15 k + 64 floats in all), then [16][16] for a single column's 16 rows of chains.
        let packed = ScratchBuffers.current.edgeLanes(count: 16 * (k + 16) + 16 * 16)
        let lanes = packed + 16 * (k + 16)
        var first = 0, offset = 0
        while first < columns.count {                         // at most 4 groups: 8, 4, 2, 1
            let width = edgeGroupWidth(first: first, count: columns.count)
            packEdgeGroup(b + (columns.lowerBound + first) * k, k: k, width: width, into: packed + offset)
            first += width
            offset += edgeGroupFloats(k: k, width: width)
        }
        let lastRow = rows.upperBound - 1
        for i0 in stride(from: rows.lowerBound, to: rows.upperBound, by: edgeTileRows) {
            let x = EdgeRows(a: a, k: k, first: i0, last: lastRow)
            let rowCount = min(edgeTileRows, rows.upperBound - i0)
            var first = 0, offset = 0
            while first < columns.count {
                let width = edgeGroupWidth(first: first, count: columns.count)
                let w = UnsafePointer(packed + offset)
                let out = c + i0 * ldc + columns.lowerBound + first
                switch width {
                case 8: edgeTile(EightColumns.self, k: k, x: x, w: w, c: out, ldc: ldc, rows: rowCount, lanes: lanes,
                                 accumulate: accumulate)
                case 4: edgeTile(FourColumns.self, k: k, x: x, w: w, c: out, ldc: ldc, rows: rowCount, lanes: lanes,
                                 accumulate: accumulate)
                case 2: edgeTile(TwoColumns.self, k: k, x: x, w: w, c: out, ldc: ldc, rows: rowCount, lanes: lanes,
                                 accumulate: accumulate)
                default:
                    // Two tiles' chains (16 rows) to `lanes`, then their tree and sums at once.
                    let half = (i0 - rows.lowerBound) / edgeTileRows % 2
                    edgeTile(OneColumn.self, k: k, x: x, w: w, c: out, ldc: ldc, rows: rowCount,
                             lanes: lanes + half * 8 * 16, accumulate: accumulate)
                    if half == 1 || i0 + edgeTileRows >= rows.upperBound {
                        if half == 0 { (lanes + 8 * 16).update(repeating: 0, count: 8 * 16) }
                        storeColumn(lanes, c: out - half * edgeTileRows * ldc, ldc: ldc,
                                    rows: half * edgeTileRows + rowCount, accumulate: accumulate)
                    }
                }
                first += width
                offset += edgeGroupFloats(k: k, width: width)
            }
        }
    }

    /// Floats of a group `width` columns wide packed by `packEdgeGroup`: one vector per 16/width
    /// steps of k.
    static func edgeGroupFloats(k: Int, width: Int) -> Int {
        (k + 16 / width - 1) / (16 / width) * 16
    }

    /// The width of the edge's column group that starts at column `first` of `count` (1...15):
    /// 8, 4, 2 or 1, the widest that fits.
    static func edgeGroupWidth(first: Int, count: Int) -> Int {
        let left = count - first
        return left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1
    }

    /// Packs `width` rows of B (from `b`, k floats apart) as [k/s][width][s], s = 16/width, zero
    /// past k: one vector per s steps of k.
    static func packEdgeGroup(_ b: UnsafePointer<Float>, k: Int, width: Int,
                              into packed: UnsafeMutablePointer<Float>) {
        let span = 16 / width
        packed.update(repeating: 0, count: edgeGroupFloats(k: k, width: width))
        // Whole pieces of s floats as one value each (a loop of 1-16 scalar copies took about 5% of
        // the edge's time).
        func copyPieces<Piece>(_ piece: Piece.Type) {
            for column in 0..<width {
                let row = UnsafeRawPointer(b + column * k), to = UnsafeMutableRawPointer(packed + column * span)
                for step in 0..<k / span {
                    to.storeBytes(of: row.loadUnaligned(fromByteOffset: step * span * 4, as: Piece.self),
                                  toByteOffset: step * 64, as: Piece.self)
                }
                for d in 0..<k % span {                          // the last k % s steps
                    packed[k / span * 16 + column * span + d] = b[column * k + k / span * span + d]
                }
            }
        }
        switch span {
        case 2: copyPieces(SIMD2<Float>.self)
        case 4: copyPieces(SIMD4<Float>.self)
        case 8: copyPieces(SIMD8<Float>.self)
        default: copyPieces(SIMD16<Float>.self)
        }
    }

    /// The 8 rows of A that a tile reads; rows past `last` repeat it.
    struct EdgeRows {
        let r0, r1, r2, r3, r4, r5, r6, r7: UnsafePointer<Float>
        init(a: UnsafePointer<Float>, k: Int, first: Int, last: Int) {
            r0 = a + min(first, last) * k; r1 = a + min(first + 1, last) * k
            r2 = a + min(first + 2, last) * k; r3 = a + min(first + 3, last) * k
            r4 = a + min(first + 4, last) * k; r5 = a + min(first + 5, last) * k
            r6 = a + min(first + 6, last) * k; r7 = a + min(first + 7, last) * k
        }
    }
}

// MARK: - The tile

extension GEMM {
    /// A group width: how a row of A is broadcast over the lanes, and how the lanes become sums in C.
    protocol EdgeGroupWidth {
        /// g: columns in the group; each has 16/g lanes (steps of k).
        static var columns: Int { get }
        /// The 16/g floats at `p` repeated g times: lane (c, d) gets p[d].
        static func broadcast(_ p: UnsafePointer<Float>) -> SIMD16<Float>
        /// Sums each column's lanes by adjacent pairs and stores the sums of rows 0..<rows of C at
        /// `c` (rows `ldc` apart; added to what is there when accumulating); or, for a single
        /// column, stores the 8 rows' chains to `lanes` [8][16] for `GEMM.storeColumn` to sum.
        static func storeSums(_ tile: EdgeTile, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int,
                              lanes: UnsafeMutablePointer<Float>, accumulate: Bool)
    }

    /// The accumulators of a tile, one per row.
    struct EdgeTile {
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        var s4 = SIMD16<Float>(), s5 = SIMD16<Float>(), s6 = SIMD16<Float>(), s7 = SIMD16<Float>()

        /// One step of every row's chains: s_r += a_r * b, lane by lane.
        @inline(__always)
        mutating func addProducts(_ a: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>,
                                        SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>), _ b: SIMD16<Float>) {
            s0.addProduct(a.0, b); s1.addProduct(a.1, b); s2.addProduct(a.2, b); s3.addProduct(a.3, b)
            s4.addProduct(a.4, b); s5.addProduct(a.5, b); s6.addProduct(a.6, b); s7.addProduct(a.7, b)
        }
    }

    /// Rows 0..<rows of C (`ldc` apart) for one column group: the tile of the file header. `w` is
    /// the group packed by `packEdgeGroup`.
    @inline(never)
    static func edgeTile<Width: EdgeGroupWidth>(_ width: Width.Type, k: Int, x: EdgeRows, w: UnsafePointer<Float>,
                                                c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int,
                                                lanes: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let span = 16 / Width.columns
        var tile = EdgeTile()
        var p = 0, step = w
        while p &+ span <= k {
            tile.addProducts((Width.broadcast(x.r0 + p), Width.broadcast(x.r1 + p), Width.broadcast(x.r2 + p),
                              Width.broadcast(x.r3 + p), Width.broadcast(x.r4 + p), Width.broadcast(x.r5 + p),
                              Width.broadcast(x.r6 + p), Width.broadcast(x.r7 + p)), Vector(loading: step))
            p &+= span
            step += 16
        }
        if p < k {                        // the last k % s steps: the packed B is zero past k
            let count = k - p
            tile.addProducts((tail(Width.self, x.r0 + p, count), tail(Width.self, x.r1 + p, count),
                              tail(Width.self, x.r2 + p, count), tail(Width.self, x.r3 + p, count),
                              tail(Width.self, x.r4 + p, count), tail(Width.self, x.r5 + p, count),
                              tail(Width.self, x.r6 + p, count), tail(Width.self, x.r7 + p, count)),
                             Vector(loading: step))
        }
        Width.storeSums(tile, c: c, ldc: ldc, rows: rows, lanes: lanes, accumulate: accumulate)
    }

    /// The broadcast of the last `count` (< 16/g) floats of a row, zeros in the steps past k.
    static func tail<Width: EdgeGroupWidth>(_ width: Width.Type, _ p: UnsafePointer<Float>, _ count: Int) -> Vector {
        var lanes = Vector()
        let span = 16 / Width.columns
        for lane in 0..<16 where lane % span < count { lanes[lane] = p[lane % span] }
        return lanes
    }

    /// A single column's sums for 16 rows (the first `rows` stored down the column at `c`, `ldc`
    /// apart): `lanes` [16][16] holds row r's 16 chains in vector r, and a transposing tree sums
    /// them, one vector of 16 sums in 15 vector additions. Each level makes vector t the
    /// adjacent-pair sums of vectors 2t and 2t + 1 (their rows in order, each with half as many
    /// partials; two `vpermt2ps` and a `vaddps`), over memory and not inlined on purpose: with
    /// the levels together in registers LLVM merged the shuffles across levels and cut the
    /// tree into 128-bit pieces (two to three times the instructions).
    @inline(never)
    static func storeColumn(_ lanes: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                            rows: Int, accumulate: Bool) {
        var count = 8
        while count > 0 {
            for t in 0..<count {
                let u = Vector(loading: lanes + 32 * t), v = Vector(loading: lanes + 32 * t + 16)
                (Vector(lowHalf: u.evenHalf, highHalf: v.evenHalf) + Vector(lowHalf: u.oddHalf, highHalf: v.oddHalf))
                    .store(to: lanes + 16 * t)
            }
            count /= 2
        }
        let sums = Vector(loading: lanes)
        for r in 0..<rows { c[r * ldc] = accumulate ? c[r * ldc] + sums[r] : sums[r] }
    }

    /// Groups of 8, 4 and 2: each row's lanes summed in place, its g sums stored side by side.
    protocol RowSummedWidth: EdgeGroupWidth {
        /// Sums each column's lanes by adjacent pairs and stores the g sums at `c`.
        static func storeRow(_ lanes: SIMD16<Float>, to c: UnsafeMutablePointer<Float>, accumulate: Bool)
    }
}

extension GEMM.RowSummedWidth {
    @inline(__always)
    static func storeSums(_ tile: GEMM.EdgeTile, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int,
                          lanes: UnsafeMutablePointer<Float>, accumulate: Bool) {
        storeRow(tile.s0, to: c, accumulate: accumulate)
        if rows > 1 { storeRow(tile.s1, to: c + ldc, accumulate: accumulate) }
        if rows > 2 { storeRow(tile.s2, to: c + 2 * ldc, accumulate: accumulate) }
        if rows > 3 { storeRow(tile.s3, to: c + 3 * ldc, accumulate: accumulate) }
        if rows > 4 { storeRow(tile.s4, to: c + 4 * ldc, accumulate: accumulate) }
        if rows > 5 { storeRow(tile.s5, to: c + 5 * ldc, accumulate: accumulate) }
        if rows > 6 { storeRow(tile.s6, to: c + 6 * ldc, accumulate: accumulate) }
        if rows > 7 { storeRow(tile.s7, to: c + 7 * ldc, accumulate: accumulate) }
    }
}

extension GEMM {
    /// A single column, 16 steps of k per vector (a dot product): the row's own 16 floats; the
    /// rows' chains are summed together by `GEMM.storeColumn`.
    enum OneColumn: EdgeGroupWidth {
        static var columns: Int { 1 }
        @inline(__always) static func broadcast(_ p: UnsafePointer<Float>) -> SIMD16<Float> { SIMD16(loading: p) }
        @inline(__always) static func storeSums(_ tile: EdgeTile, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int,
                                                lanes: UnsafeMutablePointer<Float>, accumulate: Bool) {
            tile.s0.store(to: lanes); tile.s1.store(to: lanes + 16); tile.s2.store(to: lanes + 32)
            tile.s3.store(to: lanes + 48); tile.s4.store(to: lanes + 64); tile.s5.store(to: lanes + 80)
            tile.s6.store(to: lanes + 96); tile.s7.store(to: lanes + 112)
        }
    }

    /// Groups of 8 columns, 2 steps of k per vector: the broadcast is one 8-byte load.
    enum EightColumns: RowSummedWidth {
        static var columns: Int { 8 }
        @inline(__always) static func broadcast(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            let pair = UnsafeRawPointer(p).loadUnaligned(as: Double.self)           // two floats as one value
            return unsafeBitCast(SIMD8<Double>(repeating: pair), to: SIMD16<Float>.self)
        }
        @inline(__always) static func storeRow(_ lanes: SIMD16<Float>, to c: UnsafeMutablePointer<Float>, accumulate: Bool) {
            store(lanes.evenHalf + lanes.oddHalf, to: c, accumulate: accumulate)
        }
    }

    /// Groups of 4 columns, 4 steps of k per vector: the broadcast is one 16-byte load.
    enum FourColumns: RowSummedWidth {
        static var columns: Int { 4 }
        @inline(__always) static func broadcast(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            let four = UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
            let eight = SIMD8(lowHalf: four, highHalf: four)
            return SIMD16(lowHalf: eight, highHalf: eight)
        }
        @inline(__always) static func storeRow(_ lanes: SIMD16<Float>, to c: UnsafeMutablePointer<Float>, accumulate: Bool) {
            let eight = lanes.evenHalf + lanes.oddHalf
            store(eight.evenHalf + eight.oddHalf, to: c, accumulate: accumulate)
        }
    }

    /// Groups of 2 columns, 8 steps of k per vector: the broadcast is one 32-byte load.
    enum TwoColumns: RowSummedWidth {
        static var columns: Int { 2 }
        @inline(__always) static func broadcast(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            let eight = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
            return SIMD16(lowHalf: eight, highHalf: eight)
        }
        @inline(__always) static func storeRow(_ lanes: SIMD16<Float>, to c: UnsafeMutablePointer<Float>, accumulate: Bool) {
            let eight = lanes.evenHalf + lanes.oddHalf
            let four = eight.evenHalf + eight.oddHalf
            store(four.evenHalf + four.oddHalf, to: c, accumulate: accumulate)
        }
    }
}

/// Stores (or adds) g column sums at `c`.
@inline(__always)
private func store<Sums: SIMD>(_ sums: Sums, to c: UnsafeMutablePointer<Float>, accumulate: Bool)
    where Sums.Scalar == Float {
    let raw = UnsafeMutableRawPointer(c)
    raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: Sums.self) + sums : sums, as: Sums.self)
}

// Loads and stores of 16 floats at any address (a fileprivate copy, as in each kernel file: the
// debug build never inlines a helper from another file; see GEMM+MicroKernel).
fileprivate extension SIMD16 where Scalar == Float {
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}

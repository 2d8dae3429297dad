// GEMM+Packing: copy op(A) and op(B) into the layouts the micro-kernel streams through.
//
// Packed B is a row of panels, each `width` columns wide (16 or 32), stored [k][width]: the
// kernel reads one panel row (the 16 or 32 values of op(B)[p, j0..<j0+width]) per step of k
// with contiguous loads. Columns past n are zeros, so an edge panel runs the same kernel.
// When B is not transposed its rows already hold those values side by side, so full panels
// are read where they lie (row stride n instead of width) and only the edge panel is packed.
// A transposed B (every forward y = x·Wᵀ) is packed in 16x16 blocks, each transposed in
// registers (`Kernels.transposeBlock16`). One float at a time, the copy had cost the forward
// products 3-5 points of peak (93% -> 96-97% with the blocks; lm_head's 69% -> 74%; the
// training step 2.3% faster on one thread, 1.8% on two; bench, builds alternated, 2026-12-05).
// Packed A is a column of 6-row panels, each stored [k][6]; a last panel of fewer than 6 rows
// gets zero rows so that it too runs the full 6-row kernel.
// The transposed products only change how these loops read their source; the kernel never
// knows which of the three forms it is computing.

extension GEMM {
    /// Rows per A panel = rows of C that one micro-kernel call produces.
    static let panelRows = 6

    /// Rows of the next tile of C when `left` rows of a block remain, for tiles `height` rows
    /// high (6, or 8 for Aᵀ read in place).
    ///
    /// A packed A: 6, and a last tile of 1...5 (its kernel uses only those rows). A read in
    /// place (AVX-512, whose 32 registers hold up to 16 accumulators: 8 rows of 32 columns): the
    /// last rows never make a tile of 1-3 rows, whose 2-6 accumulators are too few to hide the
    /// FMA latency: up to 8 left are one tile, and 9-11 left are two of 4-6.
    /// Examples: 128 rows of Aᵀ read in place are 16 tiles of 8, 73 are 8 of 8 then 5 and 4;
    /// 128 rows of a plain A are 20 tiles of 6 and one of 8.
    @inline(__always)
    static func tileRows(left: Int, height: Int, packed: Bool) -> Int {
        if packed { return min(panelRows, left) }
        if left <= 8 { return left }
        return left >= height + 4 ? height : (left + 1) / 2
    }

    /// Width of the B panel that starts at column `j0` when full panels are `fullWidth` wide
    /// and columns end at `end`: a remainder of at most 16 columns gets a 16-wide panel
    /// (served by the 6x16 kernel).
    @inline(__always)
    static func panelWidth(from j0: Int, n end: Int, fullWidth: Int) -> Int {
        end - j0 > 16 ? fullWidth : 16
    }

    /// Floats needed to pack `depth` rows of op(B) for all n columns.
    static func packedBCount(n: Int, depth: Int, fullWidth: Int) -> Int {
        (n + fullWidth - 1) / fullWidth * fullWidth * depth
    }

    /// Packs op(B)[p0..<p0+depth, columns] into panels; the panel at column j0 starts at
    /// `(j0 − columns.lowerBound) · depth`.
    ///
    /// op(B) is B stored [k, n], or Bᵀ when `transposed` (B stored [n, k]).
    static func packB(_ b: UnsafePointer<Float>, transposed: Bool, n: Int, k: Int, columns: Range<Int>,
                      p0: Int, depth: Int, fullWidth: Int, into packed: UnsafeMutablePointer<Float>) {
        guard transposed else {
            // B stored [k, n]: each row of a full panel is already a contiguous slice of a row
            // of B, so the kernel reads full panels in place with row stride n (see
            // GEMM.Operands.multiply). Only a last panel narrower than its width is copied here,
            // padded with zero columns.
            var j0 = columns.lowerBound                                  // find the last panel
            while j0 + panelWidth(from: j0, n: columns.upperBound, fullWidth: fullWidth) < columns.upperBound {
                j0 += fullWidth
            }
            let width = panelWidth(from: j0, n: columns.upperBound, fullWidth: fullWidth)
            let valid = columns.upperBound - j0
            guard valid < width else { return }                          // full: read in place too
            for p in 0..<depth {
                let target = packed + (j0 - columns.lowerBound) * depth + p * width
                target.update(from: b + (p0 + p) * n + j0, count: valid)
                (target + valid).initialize(repeating: 0, count: width - valid)
            }
            return
        }
        var j0 = columns.lowerBound
        while j0 < columns.upperBound {
            let width = panelWidth(from: j0, n: columns.upperBound, fullWidth: fullWidth)
            let valid = min(width, columns.upperBound - j0)
            let panel = packed + (j0 - columns.lowerBound) * depth
            // An edge panel is zeroed whole first, in one pass, rather than its padding at every step.
            if valid < width { panel.update(repeating: 0, count: depth * width) }
            // B stored [n, k]: column j of op(B) is row j of B, contiguous in k. Blocks of 16
            // columns x 16 depths are transposed in registers; the last depth % 16 one by one.
            let blockDepth = depth - depth % 16
            for c0 in stride(from: 0, to: valid, by: 16) {
                let rows = min(16, valid - c0)
                let source = b + (j0 + c0) * k + p0
                for pb in stride(from: 0, to: blockDepth, by: 16) {
                    Kernels.transposeBlock16(source + pb, rowStride: k, rows: rows, into: panel + pb * width + c0,
                                             rowStride: width)
                }
                for column in 0..<rows {
                    let row = source + column * k
                    for p in blockDepth..<depth { panel[p * width + c0 + column] = row[p] }
                }
            }
            j0 += width
        }
    }

    /// Packs rows i0..<i0+rows of op(A) = Aᵀ (A stored [k, m]), depths p0..<p0+depth, as
    /// consecutive 6-row panels [depth][6]; panel r starts at `r·6·depth`, and missing rows of a
    /// last partial panel are zeros. Each source row p is read once, contiguously. (AVX2 only:
    /// with AVX-512 the kernel reads Aᵀ in place.)
    static func packBlockA(_ a: UnsafePointer<Float>, m: Int, i0: Int, rows: Int, p0: Int, depth: Int,
                           into packed: UnsafeMutablePointer<Float>) {
        let panels = (rows + panelRows - 1) / panelRows
        // Panels whose 6 values can be moved as one 8-float vector: the 2 extra values land in
        // the next step's slot (overwritten when p moves on), so not on the last step, and the
        // 8-float read must stay inside A.
        let vectorPanels = min(rows / panelRows, max(0, (m - i0 - 2) / panelRows))
        for p in 0..<depth {
            let source = a + (p0 + p) * m + i0
            let target = packed + p * panelRows
            let vectorized = p + 1 < depth ? vectorPanels : 0
            var from = source, to = target
            let panelStride = panelRows * depth
            for _ in 0..<vectorized {
                SIMD8<Float>(loading: from).store(to: to)
                from += panelRows
                to += panelStride
            }
            for panel in vectorized..<panels {
                let first = panel * panelRows, slot = target + panel * panelRows * depth
                let valid = min(panelRows, rows - first)
                // One select per slot: written as two loops (copy, then zero) the zeroing became a
                // memset call per step, with register spills around it; the dW products with a
                // partial last panel were 1-5 points of peak slower (lm_head's dW most).
                for r in 0..<panelRows { slot[r] = r < valid ? source[first + r] : 0 }
            }
        }
    }

    /// Packs rows i0..<i0+rows of A stored [m, k], depths p0..<p0+depth, as consecutive 6-row
    /// panels [depth][6], like `packBlockA`; missing rows of a last partial panel are zeros.
    static func packBlockRowsA(_ a: UnsafePointer<Float>, k: Int, i0: Int, rows: Int, p0: Int, depth: Int,
                               into packed: UnsafeMutablePointer<Float>) {
        let panels = (rows + panelRows - 1) / panelRows
        for panel in 0..<panels {
            let first = panel * panelRows, valid = min(panelRows, rows - first)
            let row0 = a + (i0 + first) * k + p0
            var target = packed + panel * panelRows * depth
            if valid == panelRows {
                // Six rows side by side, one depth step (6 floats) at a time: six read streams,
                // one sequential write stream, and no index arithmetic in the loop.
                var r0 = row0, r1 = row0 + k, r2 = row0 + 2 * k, r3 = row0 + 3 * k, r4 = row0 + 4 * k, r5 = row0 + 5 * k
                for _ in 0..<depth {
                    target[0] = r0.pointee; target[1] = r1.pointee; target[2] = r2.pointee
                    target[3] = r3.pointee; target[4] = r4.pointee; target[5] = r5.pointee
                    r0 += 1; r1 += 1; r2 += 1; r3 += 1; r4 += 1; r5 += 1
                    target += panelRows
                }
            } else {
                for p in 0..<depth {
                    for r in 0..<panelRows { target[r] = r < valid ? row0[r * k + p] : 0 }
                    target += panelRows
                }
            }
        }
    }
}

// Loads and stores of 16 floats at any address (vmovups). Each kernel file has its own
// fileprivate copy on purpose: the debug build that `swift run` and `swift test` use compiles
// one file at a time and never inlines a function from another file, even one marked
// @inline(__always) or @_transparent, so a shared helper would become a call per vector.
fileprivate extension SIMD8 where Scalar == Float {
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD8<Float>.self)
    }
}

fileprivate extension SIMD16 where Scalar == Float {
    @inline(__always) init(loading pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Float>.self)
    }
}

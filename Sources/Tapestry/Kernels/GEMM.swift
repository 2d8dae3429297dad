// GEMM: C (+)= op(A) · op(B) for contiguous row-major matrices, packed and blocked.
//
// What it is: the classic Goto/BLIS structure, reduced to what this model needs.
//   for each block of depth kc along k:        pack op(B)[p0..<p0+kc, columns] into panels
//     for each block of mc rows of C:
//       for each B panel (16 or 32 columns):
//         for each 6-row panel of A:           micro-kernel: one 6x16 or 6x32 tile of C
// (with AVX-512: 8-row tiles for Aᵀ and in a 16-wide edge panel, and no last tile of 1-3 rows;
// see `tileRows` and `Operands.tileHeight`)
// Packing makes every load in the kernel sequential and lets one kernel serve A·B, A·Bᵀ and
// Aᵀ·B (see GEMM+Packing): Bᵀ into panels [depth][16 or 32], and with AVX2 A and Aᵀ into panels
// [depth][6], so the kernel's six broadcasts of a step are six consecutive floats.
// A plain B (dX = dY·W, dW = dYᵀ·X) needs no copy: a panel's row is a slice of a row of B, and
// the kernel steps through B with its row stride. Skipping that copy made those products 3-14%
// faster on Zen 5 (bench gemm, the two builds alternated 5 rounds).
// A plain A (y = x·Wᵀ, dX = dY·W) is read in place with AVX-512: the panel's six rows, k apart,
// at five loop-invariant offsets from one pointer that steps by one float (`APanel`). On Zen 5
// that made those products 2-6 points of peak faster (92-97%) and the whole step 2.9% faster on
// one thread, 2% on two, 1% for the baby GPT (bench gemm and train-step, the builds alternated
// 5-7 rounds, 2026-12-05). With AVX2 (16-wide panels) A stays packed: on Zen 3 an earlier
// in-place kernel (a chain of six dependent address additions per step) was ~10% slower per
// step, and the AVX2 path has not been measured since.
// Aᵀ (dW = dYᵀ·X) is read in place with AVX-512 too, in 8-row tiles, when C has at most 16
// column panels: a step's 8 values of op(A) are 8 consecutive floats of one row of A, 32
// aligned bytes (half a cache line) when m is a multiple of 8. That took the dW products from
// 87-88% of peak (packing Aᵀ cost them 7-8%) to 93-95%; in 6-row tiles (24 bytes, often split
// over two lines) reading in place had been 10% slower than packing. With more column panels
// the packed copy pays for itself (the baby GPT's step was 1.4-4% slower with its n = 1536 dW
// in place too). The measurements are in README "Speed: what is left".
// With threads, C is split into contiguous ranges of whole row panels or whole column panels
// (see splitsByColumns); each thread packs the part of B it needs into its own scratch buffer,
// so there is one fork per GEMM and no barrier inside.
// What it is not: a general BLAS (no strides, no alpha/beta, no aliasing of C with A or B).
//
// The narrow edge: for A·Bᵀ with a plain A (a Linear forward) the last n % 16 columns do not
// fill a vector; they are computed apart, with k across the lanes (GEMM+NarrowEdge). That took
// lm_head's forward (n = 73 = 64 + 9) from 81-84% of peak to 90-92%.
//
// Determinism: every element of C is one chain of fused multiply-adds over p = 0..<k in order,
// starting from C (accumulate) or 0; a later depth block continues the chain from the value it
// stored in C. The narrow edge is the one exception: 16/g chains over p mod 16/g and a fixed
// tree (see its file). Thread count, split, kernel and tile position never change a single bit.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// General matrix multiply in the three forms training needs.
public enum GEMM {
    /// C[m, n] = (accumulate ? C : 0) + op(A)[m, k] · op(B)[k, n].
    ///
    /// op(A) is A stored [m, k], or Aᵀ when `transposeA` (A stored [k, m]).
    /// op(B) is B stored [k, n], or Bᵀ when `transposeB` (B stored [n, k]).
    /// Forward of a Linear layer is `transposeB`; dX = dY·W is plain; dW = dYᵀ·X is `transposeA`.
    /// Each C[i, j] is the fused-multiply-add chain c = fma(op(A)[i, p], op(B)[p, j], c) for
    /// p = 0, 1, ..., k-1 (in the last n % 16 columns of A·Bᵀ, chains over p mod 16/g and a
    /// tree: GEMM+NarrowEdge), so results are bit-identical for any thread count.
    public static func multiply(m: Int, n: Int, k: Int,
                                a: UnsafePointer<Float>, transposeA: Bool,
                                b: UnsafePointer<Float>, transposeB: Bool,
                                c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        multiply(m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB,
                 c: c, accumulate: accumulate, panelWidth: defaultPanelWidth)
    }

    /// `multiply` with an explicit B panel width (16 or 32), so tests can run both kernels.
    static func multiply(m: Int, n: Int, k: Int,
                         a: UnsafePointer<Float>, transposeA: Bool,
                         b: UnsafePointer<Float>, transposeB: Bool,
                         c: UnsafeMutablePointer<Float>, accumulate: Bool, panelWidth: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM: negative size m \(m), n \(n), k \(k)")
        precondition(panelWidth == 16 || panelWidth == 32, "GEMM: panel width \(panelWidth) is not 16 or 32")
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        let operands = Operands(m: m, n: n, k: k, a: a, transposeA: transposeA, b: b,
                                transposeB: transposeB, c: c, accumulate: accumulate,
                                fullWidth: panelWidth)
        let threads = Threads.count
        guard threads > 1, m * n * k >= parallelWork else {
            operands.multiply(rows: 0..<m, columns: 0..<n)
            return
        }
        let columnPanels = (n + panelWidth - 1) / panelWidth
        if splitsByColumns(m: m, n: n, columnPanels: columnPanels, threads: threads) {
            Threads.parallelFor(columnPanels, ColumnPanels(operands: operands))
        } else {
            // Whole tiles per thread (so that with Aᵀ read in place every thread's tiles start
            // 32-byte aligned).
            let unit = operands.tileHeight(columnCount: n, panelWidth: panelWidth)
            Threads.parallelFor((m + unit - 1) / unit, RowPanels(operands: operands, unit: unit))
        }
    }

    /// One thread's part of C when threads split it by whole column panels.
    struct ColumnPanels: ParallelLoop {
        let operands: Operands
        func run(_ panels: Range<Int>) {
            let width = operands.fullWidth
            operands.multiply(rows: 0..<operands.m,
                              columns: panels.lowerBound * width ..< min(panels.upperBound * width, operands.n))
        }
    }

    /// One thread's part of C when threads split it by whole row panels of `unit` rows.
    struct RowPanels: ParallelLoop {
        let operands: Operands
        let unit: Int
        func run(_ panels: Range<Int>) {
            operands.multiply(rows: panels.lowerBound * unit ..< min(panels.upperBound * unit, operands.m),
                              columns: 0..<operands.n)
        }
    }

    /// Whether threads should split C by columns rather than by rows.
    ///
    /// Each thread packs the rows of A and the columns of B that its part of C needs. Split by
    /// rows, every thread packs all of B (k·n) and m/t rows of A; split by columns, n/t columns
    /// of B and all of A (m·k). Columns copy less when n > m, provided the column panels share
    /// out evenly.
    static func splitsByColumns(m: Int, n: Int, columnPanels: Int, threads: Int) -> Bool {
        m < n && (columnPanels % threads == 0 || columnPanels >= 4 * threads)
    }

    /// Below this many multiply-adds (about 10 µs on one core) a fork costs more than it saves.
    static let parallelWork = 1 << 19

    /// Largest depth of one packed block along k (kc); k is cut into equal blocks no deeper.
    /// A 16-wide B panel of depth 384 is 24 KiB and stays in a 32 KiB L1 while the A panels
    /// stream past it. (256, which leaves L1 room for the A panel too, measured 5-15% slower
    /// at the baby GPT's shapes: C is reloaded once more per block.)
    static let maxBlockDepth = 384

    /// Rows of C per block (mc): 192 rows of A x 384 deep = 288 KiB, inside a 512 KiB L2,
    /// where it stays while every B panel passes over it.
    static let blockRows = 192

    /// 32 where the CPU has AVX-512 (12 zmm accumulators fit), else 16 (see GEMM+MicroKernel).
    static let defaultPanelWidth: Int = cpuHasAVX512() ? 32 : 16

    /// The arguments of one product, shared read-only by the threads that compute it.
    struct Operands {
        let m: Int, n: Int, k: Int
        let a: UnsafePointer<Float>, transposeA: Bool
        let b: UnsafePointer<Float>, transposeB: Bool
        let c: UnsafeMutablePointer<Float>, accumulate: Bool
        let fullWidth: Int

        /// Whether the kernel reads A where it lies when C has `columnCount` columns: with
        /// AVX-512 a plain A always, and Aᵀ when the columns make at most 16 panels (see the file
        /// header); otherwise A is packed.
        func isAReadInPlace(columnCount: Int) -> Bool {
            fullWidth == 32 && (!transposeA || columnCount <= 16 * 32)
        }

        /// Rows of a full tile (`tileRows`' height) in a panel `panelWidth` wide: 8 when A is
        /// read in place and either transposed or the panel is a 16-wide edge, else 6.
        /// A 6x16 tile has 6 accumulators, too few to cover the FMA latency (2 FMAs per cycle,
        /// 4 cycles each: 8 in flight); in 8-row tiles lm_head's forward (n = 73 = 64 + a
        /// 16-wide edge, before the narrow edge took those 9 columns) went from 74% to 82% of
        /// peak. Full 32-wide panels of a plain A stay at 6 rows: 12 accumulators are enough,
        /// and 8 rows measured 1-2 points slower there.
        func tileHeight(columnCount: Int, panelWidth: Int) -> Int {
            guard isAReadInPlace(columnCount: columnCount) else { return panelRows }
            return transposeA || panelWidth < fullWidth ? 8 : panelRows
        }

        /// Computes C[rows, columns] with the calling thread's scratch buffers. `columns` starts
        /// at a multiple of the panel width. A narrow edge inside it goes first, on its own.
        func multiply(rows: Range<Int>, columns allColumns: Range<Int>) {
            var columns = allColumns
            if allColumns.upperBound == n && hasNarrowEdge(n: n, transposeA: transposeA, transposeB: transposeB) {
                let edge = n - n % 16                 // inside this range: it starts at a multiple of 16
                multiplyNarrowEdge(rows: rows, columns: edge..<n, k: k, a: a, b: b, c: c, ldc: n,
                                   accumulate: accumulate)
                columns = allColumns.lowerBound..<edge
                guard !columns.isEmpty else { return }
            }
            let scratch = ScratchBuffers.current
            let depthBlocks = (k + maxBlockDepth - 1) / maxBlockDepth
            let depthBlock = (k + depthBlocks - 1) / depthBlocks           // equal blocks, ≤ maxBlockDepth
            let packedB = scratch.packedB(count: packedBCount(n: columns.count, depth: depthBlock, fullWidth: fullWidth))
            let packedA = scratch.packedA(count: blockRows * depthBlock)   // whole 6-row panels: 192 = 32 · 6
            let tile = scratch.tile
            let readsAInPlace = isAReadInPlace(columnCount: columns.count)

            for p0 in stride(from: 0, to: k, by: depthBlock) {
                let depth = min(depthBlock, k - p0)
                let continueSum = accumulate || p0 > 0
                packB(b, transposed: transposeB, n: n, k: k, columns: columns, p0: p0, depth: depth,
                      fullWidth: fullWidth, into: packedB)
                for i0 in stride(from: rows.lowerBound, to: rows.upperBound, by: blockRows) {
                    let rowCount = min(blockRows, rows.upperBound - i0)
                    if !readsAInPlace {
                        if transposeA {
                            packBlockA(a, m: m, i0: i0, rows: rowCount, p0: p0, depth: depth, into: packedA)
                        } else {
                            packBlockRowsA(a, k: k, i0: i0, rows: rowCount, p0: p0, depth: depth, into: packedA)
                        }
                    }
                    var j0 = columns.lowerBound
                    while j0 < columns.upperBound {
                        let width = GEMM.panelWidth(from: j0, n: columns.upperBound, fullWidth: fullWidth)
                        let validColumns = min(width, columns.upperBound - j0)
                        // op(B) = B and a full panel: the kernel reads rows of B in place.
                        let readsBInPlace = !transposeB && validColumns == width
                        let bPanel = readsBInPlace ? b + p0 * n + j0
                                                   : UnsafePointer(packedB + (j0 - columns.lowerBound) * depth)
                        let ldb = readsBInPlace ? n : width
                        let height = tileHeight(columnCount: columns.count, panelWidth: width)
                        var r0 = 0
                        while r0 < rowCount {
                            let tileRows = GEMM.tileRows(left: rowCount - r0, height: height, packed: !readsAInPlace)
                            defer { r0 += tileRows }
                            let cTile = c + (i0 + r0) * n + j0
                            let aPanel: APanel
                            if !readsAInPlace {
                                aPanel = .packed(packedA + r0 * depth)
                            } else if transposeA {                  // A [k, m]: row p holds op(A)[i, p] for all i
                                aPanel = APanel(start: a + p0 * m + i0 + r0, rowStride: 1, step: m)
                            } else {                                // A [m, k]: row i holds op(A)[i, p] for all p
                                aPanel = APanel(start: a + (i0 + r0) * k + p0, rowStride: k, step: 1)
                            }
                            if validColumns == width {
                                runKernel(rows: tileRows, width: width, depth: depth, a: aPanel, b: bPanel, ldb: ldb,
                                          c: cTile, ldc: n, continueSum: continueSum)
                            } else {
                                // Edge tile: compute a full-width tile in scratch, copy back the part inside C.
                                for r in 0..<tileRows where continueSum {
                                    (tile + r * width).update(from: cTile + r * n, count: validColumns)
                                }
                                runKernel(rows: tileRows, width: width, depth: depth, a: aPanel, b: bPanel, ldb: ldb,
                                          c: tile, ldc: width, continueSum: continueSum)
                                for r in 0..<tileRows {
                                    (cTile + r * n).update(from: tile + r * width, count: validColumns)
                                }
                            }
                        }
                        j0 += width
                    }
                }
            }
        }
    }

    @inline(__always)
    static func runKernel(rows: Int, width: Int, depth: Int, a: APanel, b: UnsafePointer<Float>, ldb: Int,
                          c: UnsafeMutablePointer<Float>, ldc: Int, continueSum: Bool) {
        if rows != panelRows {
            kernelRows(rows, width: width, depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        } else if width == 32 {
            kernel6x32(depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        } else {
            kernel6x16(depth: depth, a: a, b: b, ldb: ldb, c: c, ldc: ldc, continueSum: continueSum)
        }
    }
}

/// True when /proc/cpuinfo lists AVX-512F. The package compiles with `-target-cpu native`, so
/// the CPU that runs the code is the one the compiler targeted.
func cpuHasAVX512() -> Bool {
    #if arch(x86_64) && canImport(Glibc)
    guard let file = fopen("/proc/cpuinfo", "r") else { return false }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 8192)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("flags") { return text.contains(" avx512f") }
    }
    return false
    #else
    return false
    #endif
}

// AttentionGeometry: the sizes of one scaledDotProductAttention call and the index arithmetic
// of its per-head slices (see Attention.swift for the op itself).
//
// Head h of batch element b owns channels h·hs..<(h+1)·hs of each row of q, k and v; this file
// turns (b, t, h) into flat offsets, says which keys a query sees under the causal mask, pads
// workspace rows to whole vectors, gathers one head's rows (or their transpose) into a
// workspace, copies and zeroes short rows without a libc call (`copy`, `zero`), and runs a body
// once per (b, h) pair over the threads.

/// The sizes of one attention call, and the index arithmetic of its per-head slices.
struct AttentionGeometry {
    let batch, heads, queryLength, keyLength, channels, headSize: Int      // B, nh, Tq, Tk, C, hs
    let causal: Bool
    /// 1/√hs, which keeps the scores' variance near 1 so the softmax does not saturate.
    let scale: Float
    /// Workspace row lengths (hs, Tk, Tq) rounded up to 16 floats: a 16-wide load that starts
    /// inside a row never leaves it, and the padding is zero.
    let headStride, keyStride, queryStride: Int
    /// Floats between consecutive rows of q, k, v and their gradients: C, or 3C when they are
    /// read in place from a fused qkv tensor.
    let inputStride: Int

    init(query: [Int], key: [Int], value: [Int], heads: Int, causal: Bool, inputStride: Int? = nil,
         file: StaticString, line: UInt) {
        let op = "scaledDotProductAttention"
        checkShapes { () throws(ShapeError) in
            try Shapes.require(query, rank: 3, "query [B, Tq, C]", op: op, file: file, line: line)
            try Shapes.require(key, rank: 3, "key [B, Tk, C]", op: op, file: file, line: line)
            try Shapes.require(value, equals: key, "value (same as key [B, Tk, C])", op: op, file: file, line: line)
            guard key[0] == query[0], key[2] == query[2] else {
                throw ShapeError(op: op, "key \(key) must be [B, Tk, C] with B and C of query \(query)", file: file, line: line)
            }
            guard heads > 0, query[2] % heads == 0 else {
                throw ShapeError(op: op, "C = \(query[2]) channels do not split into \(heads) heads", file: file, line: line)
            }
            guard !causal || query[1] <= key[1] else {
                throw ShapeError(op: op, "causal attention needs Tq <= Tk (queries are the last positions), got query \(query), key \(key)",
                                 file: file, line: line)
            }
        }
        (batch, queryLength, channels) = (query[0], query[1], query[2])
        keyLength = key[1]
        self.heads = heads
        self.causal = causal
        headSize = channels / heads
        scale = 1 / Float(headSize).squareRoot()
        (headStride, keyStride, queryStride) = (Self.padded(headSize), Self.padded(keyLength), Self.padded(queryLength))
        self.inputStride = inputStride ?? channels
    }

    /// n rounded up to a multiple of 16 (one SIMD16 vector).
    @inline(__always) static func padded(_ n: Int) -> Int { (n + 15) / 16 * 16 }

    /// How many keys query i sees: 0...(Tk − Tq + i) when causal, all Tk otherwise.
    @inline(__always) func visibleKeys(query i: Int) -> Int {
        causal ? keyLength - queryLength + i + 1 : keyLength
    }

    /// The first query that sees key j (every later query sees it too).
    @inline(__always) func firstQuery(seeing j: Int) -> Int {
        causal ? max(0, j - (keyLength - queryLength)) : 0
    }

    /// Flat offset of head h's slice of row t of batch element b in a [B, length, C] tensor.
    @inline(__always) func row(_ b: Int, _ t: Int, _ h: Int, length: Int) -> Int {
        (b * length + t) * channels + h * headSize
    }

    /// The same offset in q, k, v or their gradients, whose rows are `inputStride` apart.
    @inline(__always) func inputRow(_ b: Int, _ t: Int, _ h: Int, length: Int) -> Int {
        (b * length + t) * inputStride + h * headSize
    }

    /// Flat offset of row i of the weights [B, nh, Tq, Tk] for (b, h).
    @inline(__always) func weightsRow(_ b: Int, _ h: Int, _ i: Int) -> Int {
        ((b * heads + h) * queryLength + i) * keyLength
    }

    /// Copies head h of batch element b, `rows` rows of a [B, rows, ·] tensor whose rows are
    /// `rowStride` floats apart, into [rows, headStride].
    func gather(_ source: UnsafePointer<Float>, rowStride: Int, batch b: Int, head h: Int, rows: Int,
                into destination: UnsafeMutablePointer<Float>) {
        for t in 0..<rows {
            Self.copy(source + (b * rows + t) * rowStride + h * headSize, to: destination + t * headStride,
                      count: headSize)
        }
    }

    /// Copies the same slice transposed, into [hs, stride]: column t holds row t.
    /// Whole 16x16 blocks are transposed in registers (`Kernels.transposeBlock16`), the rest (rows
    /// or head sizes that are not multiples of 16) one float at a time.
    func gather(_ source: UnsafePointer<Float>, rowStride: Int, batch b: Int, head h: Int, rows: Int,
                transposedInto destination: UnsafeMutablePointer<Float>, stride: Int) {
        let slice = source + b * rows * rowStride + h * headSize        // row t at slice + t·rowStride
        let blockRows = rows - rows % 16, blockColumns = headSize - headSize % 16
        for t0 in Swift.stride(from: 0, to: blockRows, by: 16) {
            for d0 in Swift.stride(from: 0, to: blockColumns, by: 16) {
                Kernels.transposeBlock16(slice + t0 * rowStride + d0, rowStride: rowStride, rows: 16,
                                         into: destination + d0 * stride + t0, rowStride: stride)
            }
        }
        for t in 0..<rows {
            let row = slice + t * rowStride
            for d in (t < blockRows ? blockColumns : 0)..<headSize { destination[d * stride + t] = row[d] }
        }
    }

    /// target[0..<count] = source[0..<count], 16 floats at a time. Attention moves many short
    /// rows (a head's 32-64 floats); as `update(from:count:)` each was a memmove call, and the
    /// calls were 3.5% of a training step.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 16 <= count {
            UnsafeMutableRawPointer(target + j).storeBytes(of: UnsafeRawPointer(source + j).loadUnaligned(as: SIMD16<Float>.self),
                                                           as: SIMD16<Float>.self)
            j += 16
        }
        while j < count { target[j] = source[j]; j += 1 }
    }

    /// target[0..<count] = 0, 16 floats at a time (see `copy`).
    @inline(__always)
    static func zero(_ target: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 16 <= count { UnsafeMutableRawPointer(target + j).storeBytes(of: SIMD16<Float>(), as: SIMD16<Float>.self); j += 16 }
        while j < count { target[j] = 0; j += 1 }
    }

    /// Runs `body.run(b, h, workspace)` for every (batch, head) pair, split over the threads. Each
    /// worker gets one zeroed workspace laid out as `layout`, and reuses it for all of its heads
    /// (the pieces are the same for every head, so no head sees stale padding). The memory is
    /// the tape's workspace: taken from its pool and given back, so nothing is allocated.
    func forEachHead<Body: HeadLoop>(tape: Tape, workspace layout: WorkspaceLayout, _ body: Body) {
        let pairs = batch * heads
        let workers = max(1, min(Threads.count, pairs))
        tape.withWorkspace(count: workers * layout.total) { base in
            base.update(repeating: 0, count: workers * layout.total)
            Threads.parallelFor(workers, Workers(body: body, base: base, layout: layout, pairs: pairs,
                                                 heads: heads, workers: workers))
        }
    }

    /// `forEachHead`'s parallel loop: worker i takes the i-th contiguous share of the pairs.
    struct Workers<Body: HeadLoop>: ParallelLoop {
        let body: Body
        let base: UnsafeMutablePointer<Float>, layout: WorkspaceLayout
        let pairs: Int, heads: Int, workers: Int

        func run(_ range: Range<Int>) {
            for worker in range {
                let workspace = Workspace(base: base + worker * layout.total, layout: layout)
                for pair in (pairs * worker / workers)..<(pairs * (worker + 1) / workers) {
                    body.run(batch: pair / heads, head: pair % heads, workspace: workspace)
                }
            }
        }
    }
}

/// The work of one attention pass for one (batch, head) pair, as a value the threads share.
protocol HeadLoop {
    /// Computes pair (b, h), with `workspace` as scratch (the thread's own, zeroed once).
    func run(batch b: Int, head h: Int, workspace: Workspace)
}

/// How one worker's attention workspace is cut into pieces: made once, when the op records.
struct WorkspaceLayout {
    /// Where each piece starts, in floats from the start of the workspace.
    let offsets: [Int]
    /// Floats in all the pieces.
    let total: Int

    init(pieces sizes: [Int]) {
        var offsets: [Int] = [], next = 0
        for size in sizes {
            offsets.append(next)
            next += size
        }
        self.offsets = offsets
        total = next
    }
}

/// One worker's workspace: `workspace[i]` is the start of piece i.
struct Workspace {
    let base: UnsafeMutablePointer<Float>
    let layout: WorkspaceLayout

    @inline(__always) subscript(piece: Int) -> UnsafeMutablePointer<Float> { base + layout.offsets[piece] }
}

// Scaled dot-product attention, fused: scores → causal mask → softmax → weighted sum of values,
// and its backward, one (batch, head) pair at a time.
//
// Shapes (nanoGPT's names): B batch, Tq queries, Tk keys, C channels = nh heads · hs head size.
// Head h owns channels h·hs ..< (h+1)·hs of q, k and v: nanoGPT's
// `q.view(B, T, nh, hs).transpose(1, 2)` without moving any memory. Per (b, h), with
// Q [Tq, hs], K [Tk, hs], V [Tk, hs]:
//   S = Q·Kᵀ/√hs                 [Tq, Tk]   scores (causal: key j > query position is masked)
//   W = softmax(S) row by row    [Tq, Tk]   attention weights, masked entries exactly 0
//   O = W·V                      [Tq, hs]   written back into channels h·hs.. of out [B, Tq, C]
// Backward, given dO:
//   dV += Wᵀ·dO      dW = dO·Vᵀ      dS = W ⊙ (dW − rowsum(dW ⊙ W))  (softmax backward)
//   dQ += dS·K/√hs   dK += dSᵀ·Q/√hs
//
// Causal with a KV cache: query i sits at absolute position Tk − Tq + i and sees keys
// 0...(Tk − Tq + i). Tq == Tk is ordinary causal training; Tq = 1 with a long Tk is one decoding
// step, and its output equals the last row of the full causal computation.
//
// ALiBi (optional `alibiSlopes`, one slope m_h per head): S[i, j] −= m_h·|pos_i − j| with
// pos_i = Tk − Tq + i, the same absolute positions as the causal mask (so a decoding step with
// a KV cache sees the same biases as the full computation). The bias is a constant added to the
// scores, so the backward above is unchanged: it starts from the weights W, which include it.
//
// Why fused: per layer and step the default GPT has B·nh = 48 heads of 64×32 by 32×64 products;
// fusing saves 48 tiny GEMM calls per product, never materialises the masked half, and keeps
// one head's Q, K, V and scores in L1. Every product above is written in one form: an output
// row is a weighted sum of rows of another matrix (`HeadKernel.rowsTimesMatrix`), 16 lanes at a
// time, for four consecutive rows at once (a block of queries, or of keys), so each row of the
// other matrix is loaded once for four rows. Where the formula needs a column, the head's
// slice is gathered transposed into the thread's workspace first (Kᵀ, Vᵀ), or, for dSᵀ and Wᵀ,
// read down the columns of dS and W in place (four adjacent columns share each cache line);
// the workspace is reused for every head.
// Workspace rows are padded to a multiple of 16 floats and a row of scores is computed for
// whole vectors: the lanes past the last visible key are masked inside the softmax, so the hot
// loops never take a slow partial-vector path.
//
// Threads: the (b, h) pairs are split over the workers. Each pair writes only its own slices of
// out, the weights, dq, dk and dv, and sums in a fixed order, so results are bit-identical on
// any thread count.
//
// What this is not: dropout on the weights, an additive mask other than causal and ALiBi, or a
// FlashAttention-style streaming softmax (T ≤ a few hundred here, so a row of scores fits in L1).
// Lesson: notebooks-md/05-attention.md, notebooks-md/06-causal-multi-head.md, notebooks-md/11-kv-cache.md

extension Variable {
    /// Multi-head scaled dot-product attention:
    /// `out = softmax(Q·Kᵀ/√hs [+ causal mask]) · V` for each batch element and head.
    ///
    /// `query` is [B, Tq, C], `key` and `value` are [B, Tk, C], C = heads · hs. With `causal`,
    /// query i sees keys 0...(Tk − Tq + i). With `alibiSlopes` (one per head), head h adds
    /// −slope_h·|(Tk − Tq + i) − j| to the score of query i and key j (ALiBi).
    /// Returns the output [B, Tq, C] (heads concatenated) and the attention weights
    /// [B, heads, Tq, Tk] (rows sum to 1; masked entries are 0).
    public static func scaledDotProductAttention(query: Variable, key: Variable, value: Variable,
                                                 heads: Int, causal: Bool, alibiSlopes: [Float]? = nil,
                                                 file: StaticString = #fileID, line: UInt = #line)
        -> (output: Variable, weights: Tensor) {
        let geometry = AttentionGeometry(query: query.shape, key: key.shape, value: value.shape,
                                         heads: heads, causal: causal, file: file, line: line)
        return attention(inputs: [query, key, value], query: query, key: key, value: value, offsets: (0, 0, 0),
                         geometry: geometry, alibiSlopes: alibiSlopes, file: file, line: line)
    }

    /// The same attention, reading q, k and v in place from one fused `qkv` [B, T, 3C] (the
    /// output of GPT's `c_attn`: q in channels 0..<C, k in C..<2C, v in 2C..<3C), so that no
    /// copies are made to split it; the gradients land in the same three channel ranges of
    /// qkv's gradient. Self-attention only (Tq = Tk = T). Same result as splitting qkv first.
    public static func scaledDotProductAttention(packedQKV qkv: Variable, heads: Int, causal: Bool,
                                                 alibiSlopes: [Float]? = nil,
                                                 file: StaticString = #fileID, line: UInt = #line)
        -> (output: Variable, weights: Tensor) {
        let channels = checkShapes { () throws(ShapeError) in
            try Shapes.require(qkv.shape, rank: 3, "qkv [B, T, 3C]", op: "scaledDotProductAttention", file: file, line: line)
            guard qkv.shape[2] % 3 == 0 else {
                throw ShapeError(op: "scaledDotProductAttention",
                                 "qkv \(qkv.shape) must be [B, T, 3C]: its last dimension is not a multiple of 3",
                                 file: file, line: line)
            }
            return qkv.shape[2] / 3
        }
        let part = [qkv.shape[0], qkv.shape[1], channels]                    // [B, T, C]
        let geometry = AttentionGeometry(query: part, key: part, value: part, heads: heads, causal: causal,
                                         inputStride: 3 * channels, file: file, line: line)
        return attention(inputs: [qkv], query: qkv, key: qkv, value: qkv, offsets: (0, channels, 2 * channels),
                         geometry: geometry, alibiSlopes: alibiSlopes, file: file, line: line)
    }

    /// Both forms: `query`, `key` and `value` start at `offsets` (floats) into their variables'
    /// values and gradients, rows `geometry.inputStride` apart; `inputs` are what the tape records.
    private static func attention(inputs: [Variable], query: Variable, key: Variable, value: Variable,
                                  offsets: (query: Int, key: Int, value: Int), geometry: AttentionGeometry,
                                  alibiSlopes: [Float]?, file: StaticString, line: UInt)
        -> (output: Variable, weights: Tensor) {
        let heads = geometry.heads
        if let alibiSlopes {
            checkShapes { () throws(ShapeError) in
                guard alibiSlopes.count == heads else {
                    throw ShapeError(op: "scaledDotProductAttention",
                                     "alibiSlopes has \(alibiSlopes.count) slopes for \(heads) heads", file: file, line: line)
                }
            }
        }
        let g = geometry
        let tape = query.tape
        let output = tape.allocate([g.batch, g.queryLength, g.channels])                  // [B, Tq, C]
        let weights = tape.allocate([g.batch, heads, g.queryLength, g.keyLength])          // [B, nh, Tq, Tk]
        let qp = query.value.pointer + offsets.query, kp = key.value.pointer + offsets.key
        let vp = value.value.pointer + offsets.value
        let yp = output.storage.pointer, wp = weights.storage.pointer

        // Workspace per head: Kᵀ [hs, Tk], V [Tk, hs], a block of rows of scores [4, Tk].
        let block = HeadKernel.blockRows
        g.forEachHead(tape: tape, workspace: [g.headSize * g.keyStride, g.keyLength * g.headStride, block * g.keyStride]) { b, h, ws in
            let kTransposed = ws[0], values = ws[1], scores = ws[2]
            g.gather(kp, rowStride: g.inputStride, batch: b, head: h, rows: g.keyLength, transposedInto: kTransposed, stride: g.keyStride)
            g.gather(vp, rowStride: g.inputStride, batch: b, head: h, rows: g.keyLength, into: values)
            for i in stride(from: 0, to: g.queryLength, by: block) {       // queries i..<i+rows together
                let rows = min(block, g.queryLength - i)
                let blockVisible = g.visibleKeys(query: i + rows - 1), blockPadded = AttentionGeometry.padded(blockVisible)
                // sᵢ = qᵢ · Kᵀ / √hs, for every key the block's last query sees (lanes past a
                // row's own `visible` are masked next)
                HeadKernel.rowsTimesMatrix(rows: rows, qp + g.inputRow(b, i, h, length: g.queryLength), rowStride: g.inputStride,
                                           count: g.headSize, kTransposed, stride: g.keyStride, columns: blockPadded,
                                           scale: g.scale, into: scores, outStride: g.keyStride, accumulate: false)
                for r in 0..<rows {
                    let query = i + r, s = scores + r * g.keyStride
                    let visible = g.visibleKeys(query: query), padded = AttentionGeometry.padded(visible)
                    if let alibiSlopes {                                                    // sᵢⱼ −= m_h·|posᵢ − j|
                        HeadKernel.addLinearBias(s, count: visible, slope: alibiSlopes[h],
                                                 queryPosition: g.keyLength - g.queryLength + query)
                    }
                    HeadKernel.softmax(s, visible: visible, padded: padded)                // wᵢ = softmax(sᵢ)
                    (s + padded).update(repeating: 0, count: blockPadded - padded)         // exact zeros for W·V
                    let w = wp + g.weightsRow(b, h, query)
                    w.update(from: s, count: visible)
                    (w + visible).update(repeating: 0, count: g.keyLength - visible)        // masked: exactly 0
                }
                // oᵢ = Σⱼ wᵢⱼ vⱼ
                HeadKernel.rowsTimesMatrix(rows: rows, scores, rowStride: g.keyStride, count: blockVisible,
                                           values, stride: g.headStride, columns: g.headSize, scale: 1,
                                           into: yp + g.row(b, i, h, length: g.queryLength), outStride: g.channels,
                                           accumulate: false)
            }
        }

        let result = tape.record("scaledDotProductAttention", inputs: inputs, output: output) { dOut in
            let tape = query.tape                              // (unowned: the closure must not own its tape)
            let dq = tape.gradientPointer(query).map { $0 + offsets.query }
            let dk = tape.gradientPointer(key).map { $0 + offsets.key }
            let dv = tape.gradientPointer(value).map { $0 + offsets.value }
            let wp = weights.pointer
            // Workspace per head: Vᵀ [hs, Tk], K [Tk, hs], Q [Tq, hs], dO [Tq, hs], one row of W
            // [Tk], a block of rows of dW [4, Tk], and dS [Tq, Tk].
            let block = HeadKernel.blockRows
            let sizes = [g.headSize * g.keyStride, g.keyLength * g.headStride, g.queryLength * g.headStride,
                         g.queryLength * g.headStride, g.keyStride, block * g.keyStride, g.queryLength * g.keyStride]
            g.forEachHead(tape: tape, workspace: sizes) { b, h, ws in
                let vTransposed = ws[0], keys = ws[1], queries = ws[2], dOutRows = ws[3]
                let probabilities = ws[4], dWeights = ws[5], dScores = ws[6]
                g.gather(vp, rowStride: g.inputStride, batch: b, head: h, rows: g.keyLength, transposedInto: vTransposed, stride: g.keyStride)
                g.gather(kp, rowStride: g.inputStride, batch: b, head: h, rows: g.keyLength, into: keys)
                g.gather(qp, rowStride: g.inputStride, batch: b, head: h, rows: g.queryLength, into: queries)
                g.gather(dOut, rowStride: g.channels, batch: b, head: h, rows: g.queryLength, into: dOutRows)
                for i in stride(from: 0, to: g.queryLength, by: block) where dq != nil || dk != nil {
                    let rows = min(block, g.queryLength - i)
                    let blockVisible = g.visibleKeys(query: i + rows - 1), blockPadded = AttentionGeometry.padded(blockVisible)
                    // dwᵢ = doᵢ · Vᵀ
                    HeadKernel.rowsTimesMatrix(rows: rows, dOutRows + i * g.headStride, rowStride: g.headStride,
                                               count: g.headSize, vTransposed, stride: g.keyStride, columns: blockPadded,
                                               scale: 1, into: dWeights, outStride: g.keyStride, accumulate: false)
                    for r in 0..<rows {
                        let query = i + r, ds = dScores + query * g.keyStride
                        let visible = g.visibleKeys(query: query), padded = AttentionGeometry.padded(visible)
                        probabilities.update(from: wp + g.weightsRow(b, h, query), count: visible)   // wᵢ, zero-padded
                        (probabilities + visible).update(repeating: 0, count: padded - visible)
                        // dsᵢ = wᵢ ⊙ (dwᵢ − Σⱼ dwᵢⱼ wᵢⱼ) / √hs  (the 1/√hs of dq and dk, applied once;
                        // masked lanes have wᵢⱼ = 0, so their dsᵢⱼ = 0)
                        RowMath.softmaxBackward(probabilities: probabilities, outputGradient: dWeights + r * g.keyStride,
                                                into: ds, count: padded, scale: g.scale, accumulate: false)
                        (ds + padded).update(repeating: 0, count: g.keyStride - padded)     // masked: exact zeros
                    }
                    // dqᵢ += dsᵢ · K
                    if let dq {
                        HeadKernel.rowsTimesMatrix(rows: rows, dScores + i * g.keyStride, rowStride: g.keyStride,
                                                   count: blockVisible, keys, stride: g.headStride, columns: g.headSize,
                                                   scale: 1, into: dq + g.inputRow(b, i, h, length: g.queryLength),
                                                   outStride: g.inputStride, accumulate: true)
                    }
                }
                for j in stride(from: 0, to: g.keyLength, by: block) {
                    let rows = min(block, g.keyLength - j)
                    // Queries first..<Tq see key j (the block's later keys are seen by a subset of
                    // them; the pairs that are masked hold exact zeros in dS and W). Row j of dSᵀ
                    // is column j of dS: read down the column (step Tk), no transposed copy.
                    let first = g.firstQuery(seeing: j), seeing = g.queryLength - first
                    // dkⱼ += Σᵢ dsᵢⱼ qᵢ        (row j of dSᵀ · Q)
                    if let dk {
                        HeadKernel.rowsTimesMatrix(rows: rows, dScores + first * g.keyStride + j, rowStride: 1,
                                                   step: g.keyStride, count: seeing,
                                                   queries + first * g.headStride, stride: g.headStride,
                                                   columns: g.headSize, scale: 1,
                                                   into: dk + g.inputRow(b, j, h, length: g.keyLength), outStride: g.inputStride,
                                                   accumulate: true)
                    }
                    // dvⱼ += Σᵢ wᵢⱼ doᵢ        (row j of Wᵀ · dO, W read down its column j)
                    if let dv {
                        HeadKernel.rowsTimesMatrix(rows: rows, wp + g.weightsRow(b, h, first) + j, rowStride: 1,
                                                   step: g.keyLength, count: seeing,
                                                   dOutRows + first * g.headStride, stride: g.headStride,
                                                   columns: g.headSize, scale: 1,
                                                   into: dv + g.inputRow(b, j, h, length: g.keyLength), outStride: g.inputStride,
                                                   accumulate: true)
                    }
                }
            }
        }
        return (result, weights)
    }
}

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
            (destination + t * headStride).update(from: source + (b * rows + t) * rowStride + h * headSize,
                                                  count: headSize)
        }
    }

    /// Copies the same slice transposed, into [hs, stride]: column t holds row t.
    func gather(_ source: UnsafePointer<Float>, rowStride: Int, batch b: Int, head h: Int, rows: Int,
                transposedInto destination: UnsafeMutablePointer<Float>, stride: Int) {
        for t in 0..<rows {
            let slice = source + (b * rows + t) * rowStride + h * headSize
            var column = destination + t
            for d in 0..<headSize {
                column.pointee = slice[d]
                column += stride
            }
        }
    }

    /// Runs `body(b, h, workspace)` for every (batch, head) pair, split over the threads. Each
    /// worker gets one zeroed workspace, cut into pieces of the given sizes, and reuses it for
    /// all of its heads (the pieces are the same for every head, so no head sees stale padding).
    func forEachHead(tape: Tape, workspace sizes: [Int],
                     _ body: (_ b: Int, _ h: Int, _ workspace: [UnsafeMutablePointer<Float>]) -> Void) {
        let pairs = batch * heads
        let workers = max(1, min(Threads.count, pairs))
        let perWorker = sizes.reduce(0, +)
        let buffer = tape.allocate([workers, perWorker])                    // pooled: reused every step
        withExtendedLifetime(buffer) {
            let base = buffer.storage.pointer
            base.update(repeating: 0, count: workers * perWorker)
            Threads.parallelFor(workers) { range in
                for worker in range {
                    var pieces: [UnsafeMutablePointer<Float>] = []
                    var next = base + worker * perWorker
                    for size in sizes { pieces.append(next); next += size }
                    for pair in (pairs * worker / workers)..<(pairs * (worker + 1) / workers) {
                        body(pair / heads, pair % heads, pieces)
                    }
                }
            }
        }
    }
}

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
    /// serves four rows (four broadcasts and FMAs per load instead of one).
    static let blockRows = 4

    /// For r in 0..<rows: out_r[0..<n] = (accumulate ? out_r : 0) + scale · Σ_{p<k} a_r[p] · M[p, 0..<n],
    /// with a_r[p] at `a + r·rowStride + p·step` (step 1: a row; a column of a matrix otherwise),
    /// out_r at `out + r·outStride`, and row p of M at `m + p·stride`.
    /// Rows of M must be readable up to n rounded up to 16 (the workspace pads them).
    ///
    /// Every output element is ONE chain of fused multiply-adds over p = 0, 1, ..., k−1, starting
    /// from 0, then scaled and added to `out`: the same bits whether a row is computed in a
    /// block of four or alone (a decoding step with a KV cache computes one row), and trailing
    /// zero terms (a row of the block that sees fewer keys) leave a sum unchanged.
    @inline(__always)
    static func rowsTimesMatrix(rows: Int, _ a: UnsafePointer<Float>, rowStride: Int, step: Int = 1, count k: Int,
                                _ m: UnsafePointer<Float>, stride: Int, columns n: Int, scale: Float,
                                into out: UnsafeMutablePointer<Float>, outStride: Int, accumulate: Bool) {
        if rows == 4 {
            fourRowsTimesMatrix(a, rowStride: rowStride, step: step, count: k, m, stride: stride, columns: n,
                                scale: scale, into: out, outStride: outStride, accumulate: accumulate)
        } else {
            for r in 0..<rows {
                rowTimesMatrix(a + r * rowStride, step: step, count: k, m, stride: stride, columns: n, scale: scale,
                               into: out + r * outStride, accumulate: accumulate)
            }
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

    /// `rowsTimesMatrix` for four rows: 16 columns at a time, four accumulators (one per row).
    @inline(__always)
    static func fourRowsTimesMatrix(_ a: UnsafePointer<Float>, rowStride: Int, step: Int, count k: Int,
                                    _ m: UnsafePointer<Float>, stride: Int, columns n: Int, scale: Float,
                                    into out: UnsafeMutablePointer<Float>, outStride: Int, accumulate: Bool) {
        for start in Swift.stride(from: 0, to: n, by: 16) {
            var s0 = SIMD16<Float>(), s1 = s0, s2 = s0, s3 = s0
            var row = m + start, ap = a
            for _ in 0..<k {
                let v = Lanes.load(row, 16)
                s0.addProduct(SIMD16(repeating: ap[0]), v)
                s1.addProduct(SIMD16(repeating: ap[rowStride]), v)
                s2.addProduct(SIMD16(repeating: ap[2 * rowStride]), v)
                s3.addProduct(SIMD16(repeating: ap[3 * rowStride]), v)
                row += stride
                ap += step
            }
            write(s0, scale: scale, into: out, at: start, columns: n, accumulate: accumulate)
            write(s1, scale: scale, into: out + outStride, at: start, columns: n, accumulate: accumulate)
            write(s2, scale: scale, into: out + 2 * outStride, at: start, columns: n, accumulate: accumulate)
            write(s3, scale: scale, into: out + 3 * outStride, at: start, columns: n, accumulate: accumulate)
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
// here (this op ran 3-6x slower in debug than in release before the copy).
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

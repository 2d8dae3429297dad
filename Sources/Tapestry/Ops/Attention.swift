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
// row is a weighted sum of rows of another matrix (`HeadKernel.rowsTimesMatrix`), 32 columns
// at a time with AVX-512 (16 with AVX2), for six consecutive rows at once (a block of queries,
// or of keys), so each row of the other matrix is loaded once for six rows. Where the formula
// needs a column, the head's slice is gathered transposed into the thread's workspace first
// (Kᵀ, Vᵀ), or, for dSᵀ and Wᵀ, read down the columns of dS and W in place (six adjacent
// columns share each cache line); the workspace is reused for every head.
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
// Index arithmetic and per-head gathers: AttentionGeometry.swift; the per-head kernels (masked
// softmax, rowsTimesMatrix): AttentionKernels.swift.
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

        // Workspace per head: Kᵀ [hs, Tk], V [Tk, hs], a block of rows of scores [6, Tk].
        let block = HeadKernel.blockRows
        let forwardWorkspace = WorkspaceLayout(pieces: [g.headSize * g.keyStride, g.keyLength * g.headStride,
                                                        block * g.keyStride])
        func forward() {
            // query.tape, not `tape`: a Variable holds its tape unowned, so this closure does not
            // keep the tape that stores it alive.
            g.forEachHead(tape: query.tape, workspace: forwardWorkspace,
                          AttentionForwardHead(g: g, qp: qp, kp: kp, vp: vp, yp: yp, wp: wp, alibiSlopes: alibiSlopes))
        }
        forward()

        // Backward's workspace per head: Vᵀ [hs, Tk], K [Tk, hs], Q [Tq, hs], dO [Tq, hs], one
        // row of W zero-padded [Tk rounded up to 16] (used only when that padding would run past
        // W's own row), a block of rows of dW [6, Tk], and dS [Tq, Tk].
        let backwardWorkspace = WorkspaceLayout(pieces: [
            g.headSize * g.keyStride, g.keyLength * g.headStride, g.queryLength * g.headStride,
            g.queryLength * g.headStride, g.keyStride, block * g.keyStride, g.queryLength * g.keyStride])
        let result = tape.record("scaledDotProductAttention", inputs: inputs, output: output, forward: forward) { dOut in
            let tape = query.tape                              // (unowned: the closure must not own its tape)
            let (dq, dk, dv, addQ, addK, addV) = inputGradients(tape, inputs: inputs, query, key, value, offsets)
            g.forEachHead(tape: tape, workspace: backwardWorkspace,
                          AttentionBackwardHead(g: g, qp: qp, kp: kp, vp: vp, wp: weights.pointer, dOut: dOut,
                                                dq: dq, dk: dk, dv: dv, addQ: addQ, addK: addK, addV: addV))
        }
        return (result, weights)
    }

    /// The gradients of q, k and v (at their offsets) and whether each must be added to.
    ///
    /// Backward writes every element of dq, dk and dv with exactly one product (one query
    /// block per row of dq, one key block per row of dk and dv), so a gradient buffer that
    /// nothing has written yet is overwritten instead of zeroed first and then added to (the
    /// packed qkv's three channel ranges are disjoint). When two of q, k and v are the same
    /// variable (attention on x itself, without projections) their contributions must add up:
    /// then all three add into zeroed buffers.
    private static func inputGradients(_ tape: Tape, inputs: [Variable], _ query: Variable, _ key: Variable,
                                       _ value: Variable, _ offsets: (query: Int, key: Int, value: Int))
        -> (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, Bool, Bool, Bool) {
        if inputs.count == 1, let (qkv, add) = tape.gradientForWriting(query) {           // packed qkv
            return (qkv + offsets.query, qkv + offsets.key, qkv + offsets.value, add, add, add)
        }
        func shared(_ a: Variable, _ b: Variable) -> Bool { a.slot >= 0 && a.slot == b.slot }
        if shared(query, key) || shared(key, value) || shared(query, value) {
            return (tape.gradientPointer(query).map { $0 + offsets.query }, tape.gradientPointer(key).map { $0 + offsets.key },
                    tape.gradientPointer(value).map { $0 + offsets.value }, true, true, true)
        }
        let q = tape.gradientForWriting(query), k = tape.gradientForWriting(key), v = tape.gradientForWriting(value)
        return (q.map { $0.pointer + offsets.query }, k.map { $0.pointer + offsets.key }, v.map { $0.pointer + offsets.value },
                q?.accumulate ?? true, k?.accumulate ?? true, v?.accumulate ?? true)
    }
}

/// The forward of one (batch, head) pair: S = Q·Kᵀ/√hs, masked; W = softmax(S); O = W·V.
struct AttentionForwardHead: HeadLoop {
    let g: AttentionGeometry
    let qp: UnsafePointer<Float>, kp: UnsafePointer<Float>, vp: UnsafePointer<Float>    // rows g.inputStride apart
    let yp: UnsafeMutablePointer<Float>, wp: UnsafeMutablePointer<Float>                 // out [B, Tq, C], W [B, nh, Tq, Tk]
    let alibiSlopes: [Float]?

    func run(batch b: Int, head h: Int, workspace ws: Workspace) {
        let block = HeadKernel.blockRows, wide = HeadKernel.wideBlocks
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
                                       scale: g.scale, into: scores, outStride: g.keyStride, accumulate: false, wide: wide)
            for r in 0..<rows {
                let query = i + r, s = scores + r * g.keyStride
                let visible = g.visibleKeys(query: query), padded = AttentionGeometry.padded(visible)
                if let alibiSlopes {                                                    // sᵢⱼ −= m_h·|posᵢ − j|
                    HeadKernel.addLinearBias(s, count: visible, slope: alibiSlopes[h],
                                             queryPosition: g.keyLength - g.queryLength + query)
                }
                HeadKernel.softmax(s, visible: visible, padded: padded)                // wᵢ = softmax(sᵢ)
                AttentionGeometry.zero(s + padded, count: blockPadded - padded)         // exact zeros for W·V
                // The row of W: the softmax left exact zeros in s[visible..<padded], and the
                // rest of the row is masked: exactly 0.
                let w = wp + g.weightsRow(b, h, query), copied = min(padded, g.keyLength)
                AttentionGeometry.copy(s, to: w, count: copied)
                AttentionGeometry.zero(w + copied, count: g.keyLength - copied)
            }
            // oᵢ = Σⱼ wᵢⱼ vⱼ
            HeadKernel.rowsTimesMatrix(rows: rows, scores, rowStride: g.keyStride, count: blockVisible,
                                       values, stride: g.headStride, columns: g.headSize, scale: 1,
                                       into: yp + g.row(b, i, h, length: g.queryLength), outStride: g.channels,
                                       accumulate: false, wide: wide)
        }
    }
}

/// The backward of one (batch, head) pair: dV += Wᵀ·dO, dS = softmax backward of dO·Vᵀ,
/// dQ += dS·K/√hs, dK += dSᵀ·Q/√hs (the 1/√hs folded into dS).
struct AttentionBackwardHead: HeadLoop {
    let g: AttentionGeometry
    let qp: UnsafePointer<Float>, kp: UnsafePointer<Float>, vp: UnsafePointer<Float>
    let wp: UnsafePointer<Float>, dOut: UnsafePointer<Float>                             // W [B, nh, Tq, Tk], dO [B, Tq, C]
    let dq: UnsafeMutablePointer<Float>?, dk: UnsafeMutablePointer<Float>?, dv: UnsafeMutablePointer<Float>?
    let addQ: Bool, addK: Bool, addV: Bool                                               // add to, or overwrite

    func run(batch b: Int, head h: Int, workspace ws: Workspace) {
        let block = HeadKernel.blockRows, wide = HeadKernel.wideBlocks
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
                                       scale: 1, into: dWeights, outStride: g.keyStride, accumulate: false, wide: wide)
            for r in 0..<rows {
                let query = i + r, ds = dScores + query * g.keyStride
                let visible = g.visibleKeys(query: query), padded = AttentionGeometry.padded(visible)
                // wᵢ, zero-padded to whole vectors: read in place when the padding lies inside
                // W's row (its masked entries are exact zeros), else copied.
                let row = wp + g.weightsRow(b, h, query)
                let w = padded <= g.keyLength ? row : UnsafePointer(probabilities)
                if padded > g.keyLength {
                    AttentionGeometry.copy(row, to: probabilities, count: visible)
                    AttentionGeometry.zero(probabilities + visible, count: padded - visible)
                }
                // dsᵢ = wᵢ ⊙ (dwᵢ − Σⱼ dwᵢⱼ wᵢⱼ) / √hs  (the 1/√hs of dq and dk, applied once;
                // masked lanes have wᵢⱼ = 0, so their dsᵢⱼ = 0)
                RowMath.softmaxBackward(probabilities: w, outputGradient: dWeights + r * g.keyStride,
                                        into: ds, count: padded, scale: g.scale, accumulate: false)
                AttentionGeometry.zero(ds + padded, count: g.keyStride - padded)    // masked: exact zeros
            }
            // dqᵢ += dsᵢ · K
            if let dq {
                HeadKernel.rowsTimesMatrix(rows: rows, dScores + i * g.keyStride, rowStride: g.keyStride,
                                           count: blockVisible, keys, stride: g.headStride, columns: g.headSize,
                                           scale: 1, into: dq + g.inputRow(b, i, h, length: g.queryLength),
                                           outStride: g.inputStride, accumulate: addQ, wide: wide)
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
                                           accumulate: addK, wide: wide)
            }
            // dvⱼ += Σᵢ wᵢⱼ doᵢ        (row j of Wᵀ · dO, W read down its column j)
            if let dv {
                HeadKernel.rowsTimesMatrix(rows: rows, wp + g.weightsRow(b, h, first) + j, rowStride: 1,
                                           step: g.keyLength, count: seeing,
                                           dOutRows + first * g.headStride, stride: g.headStride,
                                           columns: g.headSize, scale: 1,
                                           into: dv + g.inputRow(b, j, h, length: g.keyLength), outStride: g.inputStride,
                                           accumulate: addV, wide: wide)
            }
        }
    }
}

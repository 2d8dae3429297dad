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
// Why fused: per layer and step the default GPT has B·nh = 48 heads of 64×32 by 32×64 products;
// fusing saves 48 tiny GEMM calls per product, never materialises the masked half, and keeps
// one head's Q, K, V and scores in L1. Every product above is written in one form: an output
// row is a weighted sum of rows of another matrix (`HeadKernel.rowTimesMatrix`), 16 lanes at a
// time. Where the formula needs a column (Kᵀ, Wᵀ, ...), the head's slice is gathered
// transposed into the thread's workspace first; the workspace is reused for every head.
//
// Threads: the (b, h) pairs are split over the workers. Each pair writes only its own slices of
// out, the weights, dq, dk and dv, and sums in a fixed order, so results are bit-identical on
// any thread count.
//
// What this is not: dropout on the weights, an additive mask other than causal, or a
// FlashAttention-style streaming softmax (T ≤ a few hundred here, so a row of scores fits in L1).

extension Variable {
    /// Multi-head scaled dot-product attention:
    /// `out = softmax(Q·Kᵀ/√hs [+ causal mask]) · V` for each batch element and head.
    ///
    /// `query` is [B, Tq, C], `key` and `value` are [B, Tk, C], C = heads · hs. With `causal`,
    /// query i sees keys 0...(Tk − Tq + i). Returns the output [B, Tq, C] (heads concatenated)
    /// and the attention weights [B, heads, Tq, Tk] (rows sum to 1; masked entries are 0).
    public static func scaledDotProductAttention(query: Variable, key: Variable, value: Variable,
                                                 heads: Int, causal: Bool,
                                                 file: StaticString = #fileID, line: UInt = #line)
        -> (output: Variable, weights: Tensor) {
        let geometry = AttentionGeometry(query: query.shape, key: key.shape, value: value.shape,
                                         heads: heads, causal: causal, file: file, line: line)
        let g = geometry
        let tape = query.tape
        let output = tape.allocate([g.batch, g.queryLength, g.channels])                  // [B, Tq, C]
        let weights = tape.allocate([g.batch, heads, g.queryLength, g.keyLength])          // [B, nh, Tq, Tk]
        let qp = query.value.pointer, kp = key.value.pointer, vp = value.value.pointer
        let op = output.storage.pointer, wp = weights.storage.pointer

        // Workspace per head: Kᵀ [hs, Tk], V [Tk, hs], one row of scores [Tk].
        g.forEachHead(tape: tape, workspace: [g.headSize * g.keyStride, g.keyLength * g.headStride, g.keyStride]) { b, h, ws in
            let kTransposed = ws[0], values = ws[1], scores = ws[2]
            g.gather(kp, batch: b, head: h, rows: g.keyLength, transposedInto: kTransposed, stride: g.keyStride)
            g.gather(vp, batch: b, head: h, rows: g.keyLength, into: values)
            for i in 0..<g.queryLength {
                let visible = g.visibleKeys(query: i)
                let w = wp + g.weightsRow(b, h, i)
                // sᵢ = qᵢ · Kᵀ / √hs, over the visible keys only
                HeadKernel.rowTimesMatrix(qp + g.row(b, i, h, length: g.queryLength), count: g.headSize,
                                          kTransposed, stride: g.keyStride, columns: visible,
                                          scale: g.scale, into: scores, accumulate: false)
                RowMath.softmax(scores, into: w, count: visible)                            // wᵢ = softmax(sᵢ)
                (w + visible).update(repeating: 0, count: g.keyLength - visible)            // masked: exactly 0
                // oᵢ = Σⱼ wᵢⱼ vⱼ
                HeadKernel.rowTimesMatrix(w, count: visible, values, stride: g.headStride, columns: g.headSize,
                                          scale: 1, into: op + g.row(b, i, h, length: g.queryLength), accumulate: false)
            }
        }

        let result = tape.record("scaledDotProductAttention", inputs: [query, key, value], output: output) { dOut in
            let tape = query.tape                              // (unowned: the closure must not own its tape)
            let dq = tape.gradientPointer(query), dk = tape.gradientPointer(key), dv = tape.gradientPointer(value)
            let wp = weights.pointer
            // Workspace per head: Vᵀ [hs, Tk], K [Tk, hs], Q [Tq, hs], dO [Tq, hs], Wᵀ [Tk, Tq],
            // dSᵀ [Tk, Tq], one row of dW [Tk] and of dS [Tk].
            let sizes = [g.headSize * g.keyStride, g.keyLength * g.headStride, g.queryLength * g.headStride,
                         g.queryLength * g.headStride, g.keyLength * g.queryStride, g.keyLength * g.queryStride,
                         g.keyStride, g.keyStride]
            g.forEachHead(tape: tape, workspace: sizes) { b, h, ws in
                let vTransposed = ws[0], keys = ws[1], queries = ws[2], dOutRows = ws[3]
                let wTransposed = ws[4], dScoresTransposed = ws[5], dWeights = ws[6], dScores = ws[7]
                g.gather(vp, batch: b, head: h, rows: g.keyLength, transposedInto: vTransposed, stride: g.keyStride)
                g.gather(kp, batch: b, head: h, rows: g.keyLength, into: keys)
                g.gather(qp, batch: b, head: h, rows: g.queryLength, into: queries)
                g.gather(dOut, batch: b, head: h, rows: g.queryLength, into: dOutRows)
                for i in 0..<g.queryLength {                                               // Wᵀ
                    let w = wp + g.weightsRow(b, h, i)
                    for j in 0..<g.visibleKeys(query: i) { wTransposed[j * g.queryStride + i] = w[j] }
                }
                if dq != nil || dk != nil {
                    for i in 0..<g.queryLength {
                        let visible = g.visibleKeys(query: i)
                        // dwᵢ = doᵢ · Vᵀ
                        HeadKernel.rowTimesMatrix(dOutRows + i * g.headStride, count: g.headSize, vTransposed,
                                                  stride: g.keyStride, columns: visible, scale: 1,
                                                  into: dWeights, accumulate: false)
                        // dsᵢ = wᵢ ⊙ (dwᵢ − Σⱼ dwᵢⱼ wᵢⱼ) / √hs   (the 1/√hs of both dq and dk, applied once)
                        dScores.update(repeating: 0, count: visible)
                        RowMath.addSoftmaxBackward(probabilities: wp + g.weightsRow(b, h, i), outputGradient: dWeights,
                                                   into: dScores, count: visible, scale: g.scale)
                        for j in 0..<visible { dScoresTransposed[j * g.queryStride + i] = dScores[j] }
                        // dqᵢ += dsᵢ · K
                        if let dq {
                            HeadKernel.rowTimesMatrix(dScores, count: visible, keys, stride: g.headStride,
                                                      columns: g.headSize, scale: 1,
                                                      into: dq + g.row(b, i, h, length: g.queryLength), accumulate: true)
                        }
                    }
                }
                for j in 0..<g.keyLength {
                    let first = g.firstQuery(seeing: j)                // queries first..<Tq see key j
                    let seeing = g.queryLength - first
                    guard seeing > 0 else { continue }
                    // dkⱼ += Σᵢ dsᵢⱼ qᵢ        (row j of dSᵀ · Q)
                    if let dk {
                        HeadKernel.rowTimesMatrix(dScoresTransposed + j * g.queryStride + first, count: seeing,
                                                  queries + first * g.headStride, stride: g.headStride,
                                                  columns: g.headSize, scale: 1,
                                                  into: dk + g.row(b, j, h, length: g.keyLength), accumulate: true)
                    }
                    // dvⱼ += Σᵢ wᵢⱼ doᵢ        (row j of Wᵀ · dO)
                    if let dv {
                        HeadKernel.rowTimesMatrix(wTransposed + j * g.queryStride + first, count: seeing,
                                                  dOutRows + first * g.headStride, stride: g.headStride,
                                                  columns: g.headSize, scale: 1,
                                                  into: dv + g.row(b, j, h, length: g.keyLength), accumulate: true)
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

    init(query: [Int], key: [Int], value: [Int], heads: Int, causal: Bool, file: StaticString, line: UInt) {
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
        func padded(_ n: Int) -> Int { (n + 15) / 16 * 16 }
        (headStride, keyStride, queryStride) = (padded(headSize), padded(keyLength), padded(queryLength))
    }

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

    /// Flat offset of row i of the weights [B, nh, Tq, Tk] for (b, h).
    @inline(__always) func weightsRow(_ b: Int, _ h: Int, _ i: Int) -> Int {
        ((b * heads + h) * queryLength + i) * keyLength
    }

    /// Copies head h of batch element b, `rows` rows of a [B, rows, C] tensor, into [rows, headStride].
    func gather(_ source: UnsafePointer<Float>, batch b: Int, head h: Int, rows: Int,
                into destination: UnsafeMutablePointer<Float>) {
        for t in 0..<rows {
            (destination + t * headStride).update(from: source + row(b, t, h, length: rows), count: headSize)
        }
    }

    /// Copies the same slice transposed, into [hs, stride]: column t holds row t.
    func gather(_ source: UnsafePointer<Float>, batch b: Int, head h: Int, rows: Int,
                transposedInto destination: UnsafeMutablePointer<Float>, stride: Int) {
        for t in 0..<rows {
            let slice = source + row(b, t, h, length: rows)
            for d in 0..<headSize { destination[d * stride + t] = slice[d] }
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

/// The one product of attention: an output row as a weighted sum of rows of a matrix.
enum HeadKernel {
    /// out[0..<n] = (accumulate ? out : 0) + scale · Σ_{p<k} a[p] · M[p, 0..<n], with row p of M
    /// at `m + p·stride`. Rows of M must be readable up to n rounded up to 16 (the workspace pads
    /// them). Up to 64 output columns stay in four SIMD16 registers for the whole sum over p.
    @inline(__always)
    static func rowTimesMatrix(_ a: UnsafePointer<Float>, count k: Int, _ m: UnsafePointer<Float>, stride: Int,
                               columns n: Int, scale: Float, into out: UnsafeMutablePointer<Float>,
                               accumulate: Bool) {
        var start = 0
        while start < n {
            let vectors = min(4, (n - start + 15) / 16)
            var sum0 = SIMD16<Float>(), sum1 = sum0, sum2 = sum0, sum3 = sum0
            var row = m + start
            for p in 0..<k {
                let coefficient = SIMD16<Float>(repeating: a[p])
                sum0.addProduct(coefficient, RowMath.load(row, 16))
                if vectors > 1 { sum1.addProduct(coefficient, RowMath.load(row + 16, 16)) }
                if vectors > 2 { sum2.addProduct(coefficient, RowMath.load(row + 32, 16)) }
                if vectors > 3 { sum3.addProduct(coefficient, RowMath.load(row + 48, 16)) }
                row += stride
            }
            @inline(__always) func write(_ sum: SIMD16<Float>, vector v: Int) {
                guard v < vectors else { return }
                let at = start + 16 * v, lanes = min(16, n - at)
                var result = sum * scale
                if accumulate { result += RowMath.load(out + at, lanes) }
                RowMath.store(result, out + at, lanes)
            }
            write(sum0, vector: 0); write(sum1, vector: 1); write(sum2, vector: 2); write(sum3, vector: 3)
            start += 64
        }
    }
}

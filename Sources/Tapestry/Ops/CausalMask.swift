// Causal mask: a query may not look at keys that come after it.
//
// For scores [..., T, T] (row i = query i, column j = key j), entries with j > i become −∞, so
// that a following softmax gives them probability exactly 0:
//   out[i, j] = scores[i, j] if j ≤ i, else −∞
// The gradient passes straight through the kept entries and is 0 at the masked ones (a
// constant −∞ does not depend on the scores).
//
// KV-cache generality: with scores [..., Tq, Tk] and Tq < Tk, the Tq queries are the LAST Tq
// positions of the sequence, so query i sits at absolute position Tk − Tq + i and keeps keys
// 0...(Tk − Tq + i). For Tq == Tk this is the ordinary triangle above.
//
// What this is not: the fast path. The GPT uses the fused `scaledDotProductAttention`, which
// never computes the masked scores at all. This op is the unfused lesson version and a
// building block for attention written out op by op.
// Lesson: notebooks-md/06-causal-multi-head.md

extension Variable {
    /// `self` [..., T, T] with every entry above the diagonal (key j > query i) set to −∞.
    /// (With [..., Tq, Tk], Tq ≤ Tk, query i keeps keys 0...(Tk − Tq + i).)
    public func causalMask(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let scores = self
        let rank = scores.shape.count
        checkShapes { () throws(ShapeError) in
            guard rank >= 2, scores.shape[rank - 2] <= scores.shape[rank - 1] else {
                throw ShapeError(op: "causalMask", "expected scores [..., Tq, Tk] with Tq <= Tk, got \(scores.shape)",
                                 file: file, line: line)
            }
        }
        let queries = scores.shape[rank - 2], keys = scores.shape[rank - 1]
        let matrices = scores.value.count / Swift.max(1, queries * keys)              // product of the leading dims
        let offset = keys - queries                                             // absolute position of query 0
        let out = tape.allocate(scores.shape)
        let sp = scores.value.pointer, yp = out.storage.pointer

        func forward() {
            for row in 0..<(matrices * queries) {
                let visible = offset + row % queries + 1                        // keys 0..<visible are kept
                let source = sp + row * keys, destination = yp + row * keys
                destination.update(from: source, count: visible)
                (destination + visible).update(repeating: -.infinity, count: keys - visible)
            }
        }
        forward()

        return tape.record("causalMask", inputs: [scores], output: out, forward: forward) { dy in
            guard let dx = scores.tape.gradientPointer(scores) else { return }
            for row in 0..<(matrices * queries) {                               // d out/d scores = 1 where kept
                let visible = offset + row % queries + 1
                Kernels.add(dy + row * keys, into: dx + row * keys, count: visible)
            }
        }
    }
}

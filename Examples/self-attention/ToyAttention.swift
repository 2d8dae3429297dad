// One head of self-attention, computed op by op on a tape, the way you would write it in NumPy:
//
//   Q = x·Wq   K = x·Wk   V = x·Wv                        each [B, T, C] = [1, 4, 8]
//   scores  = Q·Kᵀ / √d_k                                 [1, 4, 4]   d_k = C = 8 (one head)
//   weights = softmax(scores), row by row                 [1, 4, 4]   row i: how much query i
//                                                                     takes from each key j
//   out     = weights·V                                   [1, 4, 8]
//
// Every number printed comes from the library's ops (matmul, transposed, softmax, causalMask),
// and the result is compared with the fused `Variable.scaledDotProductAttention` the GPT uses.
// What this is not: multi-head attention (see the GPT) or a trained model: the weights are random.

import Foundation
import Tapestry

/// The toy's sizes: batch 1, T = 4 positions, C = 8 channels.
let toyShape = [1, 4, 8]

/// Everything the toy computes, kept for printing and checking.
struct ToyAttention {
    let x, wq, wk, wv: Tensor                // [1, 4, 8] and three [8, 8]
    let q, k, v, scores, weights, output: Tensor
    let recordedOps: [String]
    /// Largest |out − fused out| against `Variable.scaledDotProductAttention`.
    let fusedDifference: Float

    /// Draws x ~ N(0, 1) and Wq, Wk, Wv ~ N(0, 1/C) from `seed`, then runs the head.
    /// (Weights with std 1/√C keep q, k and v near unit variance, like a trained layer's.)
    init(seed: UInt64, causal: Bool) {
        var random = RandomGenerator(seed: seed)
        let channels = toyShape[2]
        x = Tensor.randomNormal(toyShape, using: &random)
        let std = 1 / Float(channels).squareRoot()
        wq = Tensor.randomNormal([channels, channels], std: std, using: &random)
        wk = Tensor.randomNormal([channels, channels], std: std, using: &random)
        wv = Tensor.randomNormal([channels, channels], std: std, using: &random)

        let tape = Tape()
        let input = tape.constant(x)
        let q = input.matmul(tape.variable(wq))                      // [1, 4, 8]
        let k = input.matmul(tape.variable(wk))                      // [1, 4, 8]
        let v = input.matmul(tape.variable(wv))                      // [1, 4, 8]
        let scale = 1 / Float(channels).squareRoot()                 // 1/√d_k
        var scores = q.matmul(k.transposed(1, 2)) * scale           // [1, 4, 8]·[1, 8, 4] -> [1, 4, 4]
        if causal { scores = scores.causalMask() }                   // key j > query i: −∞
        let weights = scores.softmax()                               // [1, 4, 4], rows sum to 1
        let output = weights.matmul(v)                               // [1, 4, 4]·[1, 4, 8] -> [1, 4, 8]
        (self.q, self.k, self.v) = (q.value, k.value, v.value)
        (self.scores, self.weights, self.output) = (scores.value, weights.value, output.value)
        recordedOps = tape.recordedOps

        let fused = Variable.scaledDotProductAttention(query: q, key: k, value: v, heads: 1, causal: causal).output
        fusedDifference = zip(output.value.scalars, fused.value.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    /// The sum of each row of the weights (each should be 1).
    var rowSums: [Float] {
        let columns = weights.shape[2]
        return (0..<weights.shape[1]).map { i in (0..<columns).reduce(0) { $0 + weights[0, i, $1] } }
    }

    /// The printed walk-through.
    func report(seed: UInt64, causal: Bool) -> String {
        let worst = rowSums.map { abs($0 - 1) }.max() ?? 0
        var lines = [
            "One head of self-attention, op by op (seed \(seed)\(causal ? ", causal" : ""))",
            "x: \(x.shape)  (batch 1, T = 4 positions, C = 8 channels), x ~ N(0, 1)",
            "Wq, Wk, Wv: \(wq.shape), ~ N(0, 1/8)",
            "",
            "Q = x·Wq  \(q.shape)", matrix(q),
            "K = x·Wk  \(k.shape)", matrix(k),
            "scores = Q·Kᵀ / √8  \(scores.shape)\(causal ? "  (future keys masked to -inf)" : "")", matrix(scores),
            "weights = softmax(scores), row by row  \(weights.shape)", matrix(weights),
            "row sums: " + rowSums.map { String(format: "%.6f", $0) }.joined(separator: " "),
            "rows sum to 1: \(worst <= 1e-5 ? "yes" : "NO") (largest |sum - 1| = \(String(format: "%.1e", worst)))",
            "out = weights·V  \(output.shape)", matrix(output),
            "output shape: \(output.shape)",
            "ops on the tape: " + recordedOps.joined(separator: ", "),
            "fused Variable.scaledDotProductAttention agrees: max |difference| = \(String(format: "%.1e", fusedDifference))",
        ]
        lines.append("")
        return lines.joined(separator: "\n")
    }
}

/// The last two axes of a [1, rows, columns] tensor, one row per line, 4 decimals.
func matrix(_ tensor: Tensor) -> String {
    let (rows, columns) = (tensor.shape[1], tensor.shape[2])
    return (0..<rows).map { i in
        "  [" + (0..<columns).map { j in
            let value = tensor[0, i, j]
            return value == -.infinity ? "   -inf" : String(format: "%7.4f", value)
        }.joined(separator: " ") + "]"
    }.joined(separator: "\n")
}

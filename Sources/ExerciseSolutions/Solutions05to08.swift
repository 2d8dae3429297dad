// ExerciseSolutions: reference solutions for lessons 5-8 (see Solutions01to04.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Solution 5.1: shift by the maximum so the largest exponent is e⁰ = 1.
public func stableSoftmax(_ logits: [Float]) throws -> [Float] {
    let m = logits.max() ?? 0
    let exps = logits.map { expf($0 - m) }
    let total = exps.reduce(0, +)
    return exps.map { $0 / total }
}

/// Solution 5.2: scores = Q·Kᵀ/√d, a softmax per row, then a weighted sum of value rows.
public func attentionHead(query: [[Float]], key: [[Float]], value: [[Float]]) throws -> [[Float]] {
    let d = query.first?.count ?? 0
    let scale = 1 / Float(d).squareRoot()
    return try query.map { q in
        let scores = key.map { k in zip(q, k).reduce(Float(0)) { $0 + $1.0 * $1.1 } * scale }
        let weights = try stableSoftmax(scores)
        var out = [Float](repeating: 0, count: value.first?.count ?? 0)
        for (w, v) in zip(weights, value) {
            for c in out.indices { out[c] += w * v[c] }
        }
        return out
    }
}

/// Solution 6.1: −∞ strictly above the diagonal (key j after query i).
public func causalMask(_ scores: [[Float]]) throws -> [[Float]] {
    scores.enumerated().map { i, row in
        row.enumerated().map { j, score in j > i ? -Float.infinity : score }
    }
}

/// Solution 6.2: head h takes channels h·hs ..< (h+1)·hs of every row.
public func splitHeads(_ x: [[Float]], heads: Int) throws -> [[[Float]]] {
    let headSize = (x.first?.count ?? 0) / heads
    return (0..<heads).map { h in
        x.map { row in Array(row[(h * headSize)..<((h + 1) * headSize)]) }
    }
}

/// Solution 7.1: rebuild x̂ from x, then dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)).
public func layerNormBackward(x: [Float], weight: [Float], outputGradient: [Float], epsilon: Float) throws -> [Float] {
    let n = Float(x.count)
    let mean = x.reduce(0, +) / n
    let variance = x.reduce(Float(0)) { $0 + ($1 - mean) * ($1 - mean) } / n
    let rstd = 1 / (variance + epsilon).squareRoot()
    let normalized = x.map { ($0 - mean) * rstd }                                  // x̂
    let g = zip(outputGradient, weight).map { $0 * $1 }                            // dL/dx̂
    let meanG = g.reduce(0, +) / n                                                 // from ∂μ/∂x
    let meanGX = zip(g, normalized).reduce(Float(0)) { $0 + $1.0 * $1.1 } / n      // from ∂rstd/∂x
    return x.indices.map { i in rstd * (g[i] - meanG - normalized[i] * meanGX) }
}

/// Solution 8.1: embeddings + 12C² + 13C per block + the final LayerNorm; the head is wte.
public func gptParameterCount(vocabularySize: Int, contextLength: Int, channels: Int, layers: Int) throws -> Int {
    let c = channels
    let embeddings = vocabularySize * c + contextLength * c          // wte, wpe
    let layerNorm = 2 * c                                            // weight, bias
    let attention = (c * 3 * c + 3 * c) + (c * c + c)                // c_attn, c_proj
    let mlp = (c * 4 * c + 4 * c) + (4 * c * c + c)                  // c_fc, c_proj
    let block = 2 * layerNorm + attention + mlp
    return embeddings + layers * block + layerNorm                   // + ln_f; lm_head is tied to wte
}

// Rotary position embeddings (RoPE; Su et al., "RoFormer", 2021), as LLaMA and most recent
// models use them.
//
// Instead of adding a position vector to the input, RoPE rotates each query and key inside the
// attention: pair i of dimensions (x₂ᵢ, x₂ᵢ₊₁) of the vector at position m turns by the angle
// m·θᵢ, θᵢ = 10000^(−2i/d):
//   x'₂ᵢ   = x₂ᵢ cos(mθᵢ) − x₂ᵢ₊₁ sin(mθᵢ)
//   x'₂ᵢ₊₁ = x₂ᵢ sin(mθᵢ) + x₂ᵢ₊₁ cos(mθᵢ)
// A rotation by a and one by b leave a dot product turned by b − a only: R(a)q · R(b)k =
// q · R(b − a)k. So the score of query m and key n, rot(q, m)·rot(k, n), depends on n − m and
// not on m: the model sees relative positions, and nothing is added to the residual stream.
// What this is not: the GPT's RoPE. `swift run train --pos rope` uses the op in
// Sources/Tapestry/Ops/RotaryEmbedding.swift (same pairs, same θᵢ, with a backward); this is the
// math on plain arrays, to check by hand.
// Lesson: notebooks-md/03-positional-encodings.md

import Foundation

/// `x` (even length) at position `position`: each pair rotated by position·θᵢ. The angle is
/// computed in Double (a position times a frequency loses digits in Float), the rotation in Float.
func rotate(_ x: [Float], position: Int, base: Double = 10_000) -> [Float] {
    var out = x
    for i in 0..<(x.count / 2) {
        let angle = Double(position) * pow(base, -Double(2 * i) / Double(x.count))       // m·θᵢ
        let (c, s) = (Float(cos(angle)), Float(sin(angle)))
        out[2 * i] = x[2 * i] * c - x[2 * i + 1] * s
        out[2 * i + 1] = x[2 * i] * s + x[2 * i + 1] * c
    }
    return out
}

func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// One row of the check: for a key `offset` positions after the query, the score at each
/// query position, and their spread (largest − smallest).
struct RelativeOffsetRow {
    let offset: Int
    let scores: [Float]
    var spread: Float { (scores.max() ?? 0) - (scores.min() ?? 0) }
}

/// Scores rot(q, m)·rot(k, m + offset) for every offset and query position m.
func ropeScores(query: [Float], key: [Float], offsets: [Int], positions: [Int]) -> [RelativeOffsetRow] {
    offsets.map { offset in
        RelativeOffsetRow(offset: offset, scores: positions.map { m in
            dot(rotate(query, position: m), rotate(key, position: m + offset))
        })
    }
}

/// The same scores for absolute encodings added to q and k: (q + PE[m])·(k + PE[m + offset]).
/// These do change with m: the contrast that makes the RoPE result worth checking.
func absoluteScores(query: [Float], key: [Float], offsets: [Int], positions: [Int]) -> [RelativeOffsetRow] {
    let needed = (positions.max() ?? 0) + (offsets.max() ?? 0) + 1
    let table = sinusoidalTable(positions: needed, dimensions: query.count).map { $0.map(Float.init) }
    return offsets.map { offset in
        RelativeOffsetRow(offset: offset, scores: positions.map { m in
            dot(zip(query, table[m]).map(+), zip(key, table[m + offset]).map(+))
        })
    }
}

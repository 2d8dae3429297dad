// Sinusoidal position encodings ("Attention Is All You Need", section 3.5).
//
//   PE[p, 2i]   = sin(p · ωᵢ)        ωᵢ = 10000^(−2i/d),  i = 0 ..< d/2
//   PE[p, 2i+1] = cos(p · ωᵢ)
//
// Each pair of dimensions is a clock hand turning at its own speed, from one radian per
// position (i = 0) down to 1/10000 of that (wavelengths 2π ... 10000·2π positions). Added to the
// token embeddings, they give every position a distinct, fixed pattern, with no parameters.
// Why the dot product between positions depends only on their distance:
//   PE[p]·PE[p+k] = Σᵢ sin(pωᵢ)sin((p+k)ωᵢ) + cos(pωᵢ)cos((p+k)ωᵢ) = Σᵢ cos(k·ωᵢ)
// (the cosine of a difference), which does not involve p. Divided by PE[p]·PE[p] = d/2 it is
// a similarity in [−1, 1], 1 at distance 0, falling off with distance.
// What this is not: the GPT's table. `swift run train --pos sinusoidal` uses
// Sources/TapestryGPT/Positions/Sinusoidal.swift, which adds it scaled by 1/√C (its header
// says why); the GPT's default learns its position table (`wpe`) instead. See README.
// Lesson: notebooks-md/03-positional-encodings.md

import Foundation

/// The table PE [positions, dimensions] (dimensions even), in Double.
func sinusoidalTable(positions: Int, dimensions: Int) -> [[Double]] {
    (0..<positions).map { p in
        (0..<dimensions).map { column in
            let i = column / 2
            let frequency = pow(10_000, -Double(2 * i) / Double(dimensions))    // ωᵢ
            return column % 2 == 0 ? sin(Double(p) * frequency) : cos(Double(p) * frequency)
        }
    }
}

/// Similarity between positions: S[p][q] = PE[p]·PE[q] / (d/2), 1 on the diagonal.
func similarityMatrix(_ table: [[Double]]) -> [[Double]] {
    let half = Double(table[0].count) / 2
    return table.map { a in table.map { b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / half } }
}

/// The largest |S[p][p+k] − S[0][k]| over all p and k ≥ 0: how far the similarity is from
/// depending on the offset k alone (0 up to rounding).
func offsetDependenceError(_ similarity: [[Double]]) -> Double {
    var worst = 0.0
    for p in similarity.indices {
        for k in 0..<(similarity.count - p) {
            worst = max(worst, abs(similarity[p][p + k] - similarity[0][k]))
        }
    }
    return worst
}

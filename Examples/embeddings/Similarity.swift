// Cosine similarity between token embeddings, computed the way lesson 2 does it: scale every
// row of the table to length 1, then one matrix product gives the cosine of every pair,
//   cos(a, b) = a·b / (‖a‖ ‖b‖)        S = U·Uᵀ, U = the rows of E divided by their lengths.
// Then what the lesson reads from S: each token's nearest neighbours, and how far the table is
// from random. For random directions in C dimensions the mean |cos| is about √(2/(πC)) (the dot
// product of two random unit vectors is roughly N(0, 1/C), and E|N(0, σ²)| = σ√(2/π)).
// What this is not: a search index. Every pair is computed, V² cosines, which is instant for a
// character vocabulary and still fine for a few thousand BPE tokens.
// Lesson: notebooks-md/02-embeddings.md

import Foundation
import Tapestry

/// S [V, V]: the cosine similarity of every pair of rows of `table` [V, C].
func cosineSimilarities(_ table: Tensor) -> Tensor {
    let tape = Tape()
    let e = tape.constant(table)                                           // [V, C]
    let unit = e / (e * e).sum(axis: 1, keepingDimension: true).sqrt()     // [V, C], every row of length 1
    return unit.matmul(unit.transposed(0, 1)).value                        // [V, C]·[C, V] = [V, V]
}

/// The `count` tokens most similar to token `id` (itself left out), most similar first.
func nearestNeighbours(of id: Int, in similarity: Tensor, count: Int) -> [(id: Int, cosine: Float)] {
    let others = (0..<similarity.shape[0]).filter { $0 != id }
    return others.sorted { similarity[id, $0] > similarity[id, $1] }.prefix(count).map { ($0, similarity[id, $0]) }
}

/// What S says about the table as a whole.
struct SimilaritySummary {
    /// Mean |S[i, j]| over the pairs i < j.
    let meanAbsoluteCosine: Double
    /// √(2/(πC)): the mean |cos| of random directions in C dimensions.
    let randomAbsoluteCosine: Double
    /// The pair i < j with the largest and with the smallest cosine.
    let mostSimilar: (i: Int, j: Int, cosine: Float)
    let mostOpposite: (i: Int, j: Int, cosine: Float)
    /// Checks of the two properties every cosine matrix has: cos(a, a) = 1 and cos(a, b) = cos(b, a).
    /// Both are 0 in exact arithmetic; here they show Float rounding.
    let largestDiagonalError: Float
    let largestAsymmetry: Float

    init(_ similarity: Tensor, channels: Int) {
        let v = similarity.shape[0]
        var sum = 0.0
        var best = (i: 0, j: min(1, v - 1), cosine: -Float.infinity)
        var worst = (i: 0, j: min(1, v - 1), cosine: Float.infinity)
        var diagonal: Float = 0, asymmetry: Float = 0
        for i in 0..<v {
            diagonal = max(diagonal, abs(similarity[i, i] - 1))
            for j in (i + 1)..<v {
                let s = similarity[i, j]
                sum += Double(abs(s))
                asymmetry = max(asymmetry, abs(s - similarity[j, i]))
                if s > best.cosine { best = (i, j, s) }
                if s < worst.cosine { worst = (i, j, s) }
            }
        }
        meanAbsoluteCosine = v > 1 ? sum / Double(v * (v - 1) / 2) : 0
        randomAbsoluteCosine = (2 / (Double.pi * Double(channels))).squareRoot()
        mostSimilar = best
        mostOpposite = worst
        largestDiagonalError = diagonal
        largestAsymmetry = asymmetry
    }
}

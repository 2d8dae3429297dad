// Why attention divides the scores by √d_k, measured.
//
// If the entries of q and k are independent with mean 0 and variance 1, then
//   q·k = Σ_{i<d_k} q_i k_i   has mean 0 and variance d_k   (a sum of d_k unit-variance terms),
// so the raw scores' standard deviation grows like √d_k, and q·k/√d_k has std 1 at every size.
// Wide scores push the softmax into saturation: one weight near 1, the rest near 0. There its
// Jacobian ∂wᵢ/∂sⱼ = wᵢ(δᵢⱼ − wⱼ) is nearly 0 everywhere, so almost no gradient flows back
// to the queries and keys, and attention stops learning.
//
// For each d_k, the same q [256, d_k] and k [8, d_k] ~ N(0, 1) (256 independent queries, each
// attending over 8 keys) go through the softmax with and without the scaling, on a tape, with
// loss = Σ softmax(s) ⊙ g for a fixed random g. The table shows std(s), the largest weight of a
// row and the size of the row's gradient ‖∂loss/∂s‖ at the softmax's input (read back from the
// tape). Both are medians over the 256 rows: a typical query, not the rare row whose top two
// keys tie.

import Foundation
import Tapestry

/// One line of the table.
struct ScalingMeasurement {
    let keyDimension: Int
    let scaled: Bool
    /// Standard deviation of the softmax's input s over all its entries.
    let scoreStd: Double
    /// Median over the rows of the row's largest weight (1/8 is uniform, 1 is one-hot).
    let medianMaxWeight: Double
    /// Median over the rows of ‖∂loss/∂s‖ for that row.
    let medianGradientNorm: Double
}

/// Queries (independent rows) and keys of each measurement.
let experimentQueries = 256, experimentKeys = 8

/// The measurements for d_k = 8, 64 and 512, unscaled then scaled, from `seed`.
func scalingMeasurements(seed: UInt64, keyDimensions: [Int] = [8, 64, 512]) -> [ScalingMeasurement] {
    var random = RandomGenerator.derived(seed: seed, stream: 1)
    let (n, t) = (experimentQueries, experimentKeys)
    let upstream = Tensor.randomNormal([n, t], using: &random)           // g: a stand-in for ∂loss/∂weights
    var results: [ScalingMeasurement] = []
    for d in keyDimensions {
        let queries = Tensor.randomNormal([n, d], using: &random)         // [N, d_k]
        let keys = Tensor.randomNormal([t, d], using: &random)            // [T, d_k]
        for scaled in [false, true] {
            let tape = Tape()
            let q = tape.variable(queries)
            let raw = q.matmul(tape.constant(keys).transposed(0, 1))      // [N, d_k]·[d_k, T] -> [N, T]
            let s = scaled ? raw * (1 / Float(d).squareRoot()) : raw
            let weights = s.softmax()                                     // [N, T], rows sum to 1
            let loss = (weights * tape.constant(upstream)).sum()
            tape.backward(loss)
            let gradient = tape.gradient(of: s) ?? Tensor(zeros: [n, t])  // ∂loss/∂s [N, T]
            let rowMaxima = (0..<n).map { i in (0..<t).map { Double(weights.value[i, $0]) }.max() ?? 0 }
            let rowNorms = (0..<n).map { i in (0..<t).reduce(0.0) { $0 + Double(gradient[i, $1] * gradient[i, $1]) }.squareRoot() }
            results.append(ScalingMeasurement(keyDimension: d, scaled: scaled,
                                              scoreStd: standardDeviation(s.value.scalars),
                                              medianMaxWeight: median(rowMaxima),
                                              medianGradientNorm: median(rowNorms)))
        }
    }
    return results
}

/// Population standard deviation, summed in Double.
func standardDeviation(_ values: [Float]) -> Double {
    let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
    let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
    return variance.squareRoot()
}

/// The middle value (the mean of the two middle values for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// The table and what it shows.
func scalingReport(_ rows: [ScalingMeasurement]) -> String {
    var lines = [
        "Why divide by √d_k?  q [\(experimentQueries), d_k], k [\(experimentKeys), d_k] ~ N(0, 1);",
        "s = q·kᵀ (none) or q·kᵀ/√d_k (scaled); loss = Σ softmax(s) ⊙ g, g ~ N(0, 1); gradients from the tape.",
        "Medians over the \(experimentQueries) rows.",
        "",
        "  d_k  scaling   std(s)    √d_k  max weight  ‖∂loss/∂s‖",
    ]
    for row in rows {
        let scaling = row.scaled ? "scaled " : "none   "
        lines.append(String(format: "%5d  ", row.keyDimension) + scaling
                     + String(format: "%8.3f %7.2f %11.4f %11.2e", row.scoreStd, Double(row.keyDimension).squareRoot(),
                              row.medianMaxWeight, row.medianGradientNorm))
    }
    lines += [
        "",
        "Unscaled, std(s) grows like √d_k: the softmax turns one-hot (max weight near 1) and the",
        "gradient through it vanishes. Scaled, std(s) stays near 1 at every d_k and the gradient flows.",
        "",
    ]
    return lines.joined(separator: "\n")
}

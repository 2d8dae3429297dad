// The top principal components of the embedding rows, found by power iteration, so that V
// points in C dimensions can be drawn on a page.
//
// Center the rows (x = E[i] − mean), form the covariance Σ = (1/V) Σᵢ xᵢxᵢᵀ [C, C]. Its
// eigenvector with the largest eigenvalue λ₁ is the direction along which the rows spread the
// most, and λ₁ is their variance along it. Power iteration finds it: multiply any start vector
// by Σ again and again, normalizing each time; the component along the top eigenvector grows
// by λ₁ per step, every other by a smaller λ, so the vector turns towards the top one (at a
// rate λ₂/λ₁ per step). For the second component, remove the first from Σ (deflation,
// Σ − λ₁v₁v₁ᵀ) and iterate again. A token's coordinates are then (E[i] − mean)·v₁ and ·v₂.
// The picture is a projection: distances in it are never larger than the real ones, and it
// shows λ₁ + λ₂ of the total variance trace(Σ), the fraction printed with it.
// What this is not: a general eigen-solver. Two components, Double loops, C up to a few hundred.
// Lesson: notebooks-md/02-embeddings.md

import Tapestry

/// The top principal components of a set of rows, and every row's coordinates on them.
struct PrincipalComponents {
    /// Unit directions v₁, v₂, ... [count][C].
    let directions: [[Double]]
    /// λ: the variance of the rows along each direction, largest first.
    let variances: [Double]
    /// trace(Σ): the variance summed over all C channels.
    let totalVariance: Double
    /// Power-iteration steps each direction took.
    let iterations: [Int]
    /// (E[i] − mean)·vₖ for every row i [V][count].
    let coordinates: [[Double]]

    /// The top `count` components of the rows of `table` [V, C].
    init(of table: Tensor, count: Int = 2, maxIterations: Int = 10_000) {
        let (v, c) = (table.shape[0], table.shape[1])
        let rows = (0..<v).map { i in (0..<c).map { Double(table[i, $0]) } }
        let mean = (0..<c).map { k in rows.reduce(0) { $0 + $1[k] } / Double(v) }
        let centered = rows.map { row in zip(row, mean).map { $0 - $1 } }              // [V][C]
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: c), count: c)    // Σ [C][C]
        for x in centered {
            for a in 0..<c where x[a] != 0 {
                for b in 0..<c { covariance[a][b] += x[a] * x[b] / Double(v) }
            }
        }
        totalVariance = (0..<c).reduce(0) { $0 + covariance[$1][$1] }

        var directions: [[Double]] = [], variances: [Double] = [], iterations: [Int] = []
        var generator = RandomGenerator(seed: 1)                    // a fixed start: the same picture every run
        for _ in 0..<min(count, c) {
            var direction = Tensor.randomNormal([c], using: &generator).scalars.map(Double.init)
            direction = normalized(direction)
            var steps = 0
            while steps < maxIterations {
                steps += 1
                let next = normalized(multiply(covariance, direction))
                let change = zip(next, direction).map { abs($0 - $1) }.max() ?? 0
                direction = next
                if change < 1e-12 { break }
            }
            // An eigenvector's sign is arbitrary; make its largest entry positive so runs agree.
            if let largest = direction.max(by: { abs($0) < abs($1) }), largest < 0 { direction = direction.map { -$0 } }
            let variance = zip(direction, multiply(covariance, direction)).reduce(0) { $0 + $1.0 * $1.1 }   // vᵀΣv = λ
            for a in 0..<c {                                        // deflate: Σ ← Σ − λ v vᵀ
                for b in 0..<c { covariance[a][b] -= variance * direction[a] * direction[b] }
            }
            directions.append(direction)
            variances.append(variance)
            iterations.append(steps)
        }
        self.directions = directions
        self.variances = variances
        self.iterations = iterations
        coordinates = centered.map { x in directions.map { d in zip(x, d).reduce(0) { $0 + $1.0 * $1.1 } } }
    }

    /// λₖ / trace(Σ): the share of the total variance along direction k.
    func fraction(_ k: Int) -> Double { totalVariance > 0 ? variances[k] / totalVariance : 0 }
}

/// Σ·x for a square matrix given as rows.
private func multiply(_ matrix: [[Double]], _ x: [Double]) -> [Double] {
    matrix.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
}

/// `x` scaled to length 1 (unchanged if it is 0: a table with no spread left has no direction).
private func normalized(_ x: [Double]) -> [Double] {
    let length = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return length > 0 ? x.map { $0 / length } : x
}

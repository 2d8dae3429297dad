// ResidualStatistics: the mean and standard deviation of the residual stream, layer by layer,
// collected during a forward pass at no cost to the tape.
//
// What it is: an optional observer the GPT fills when `ForwardContext.residualStatistics` is
// set. Position 0 is the stream after the embeddings (and their dropout), position i + 1 the
// stream after block i. Several forward passes (micro-batches) add up.
// Why: a healthy pre-LayerNorm GPT has a residual stream whose scale grows slowly with depth.
// A std that explodes, collapses to ~0 or turns NaN is the first sign of a broken run.
// What it is not: a recorder of the values: it keeps three sums per position and only reads.

import Tapestry

/// Running sums of the residual stream's values, per position (0 = after the embeddings,
/// i + 1 = after block i).
public final class ResidualStatistics {
    /// Per position: number of values, Σx and Σx², in Double.
    var counts: [Double] = []
    var sums: [Double] = []
    var sumsOfSquares: [Double] = []

    public init() {}

    /// Adds every element of `stream` to the sums of `position`.
    public func add(position: Int, _ stream: Tensor) {
        while counts.count <= position { counts.append(0); sums.append(0); sumsOfSquares.append(0) }
        let pointer = stream.pointer
        var sum = 0.0, sumOfSquares = 0.0
        for index in 0..<stream.count {
            let x = Double(pointer[index])
            sum += x
            sumOfSquares += x * x
        }
        counts[position] += Double(stream.count)
        sums[position] += sum
        sumsOfSquares[position] += sumOfSquares
    }

    /// Positions seen so far.
    public var positions: Int { counts.count }

    /// The mean μ = Σx / n of `position`.
    public func mean(_ position: Int) -> Double { sums[position] / max(counts[position], 1) }

    /// The (population) standard deviation √(Σx²/n − μ²) of `position`. The one-pass formula
    /// is fine here: the sums are in Double and the stream's mean is small next to its spread.
    public func standardDeviation(_ position: Int) -> Double {
        let mu = mean(position)
        return max(sumsOfSquares[position] / max(counts[position], 1) - mu * mu, 0).squareRoot()
    }
}

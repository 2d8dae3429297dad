// Exercises 10.1 and 10.2 (notebooks-md/10-sampling.md). Grade them with
// `swift run grade 10.1` and `swift run grade 10.2`.

/// Exercise 10.1: nucleus (top-p) filtering.
///
/// Keep the smallest set of most probable tokens whose probabilities add up to at least `p`
/// (the token that crosses p is kept), set every other probability to 0, and renormalize the
/// kept ones to sum to 1. Equal probabilities: the lower index counts as more probable. The
/// most probable token is always kept.
///
///     topP([0.5, 0.3, 0.2], p: 0.6)    // [0.625, 0.375, 0]
public func topP(_ probabilities: [Float], p: Float) throws -> [Float] {
    throw ExerciseError.notImplemented("Exercise 10.1")
}

/// Exercise 10.2: temperature.
///
/// Turn logits into probabilities at temperature τ > 0: $p_i = \mathrm{softmax}(x / \tau)_i$.
/// τ < 1 sharpens the distribution, τ > 1 flattens it, τ = 1 is the plain softmax.
public func probabilities(logits: [Float], temperature: Float) throws -> [Float] {
    throw ExerciseError.notImplemented("Exercise 10.2")
}

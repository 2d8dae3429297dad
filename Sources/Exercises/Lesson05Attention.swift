// Exercises 5.1 and 5.2 (notebooks-md/05-attention.md). Grade them with `swift run grade 5.1`
// and `swift run grade 5.2`.

/// Exercise 5.1: a softmax that never overflows.
///
/// $\mathrm{softmax}(x)_i = e^{x_i - m} / \sum_j e^{x_j - m}$ with $m = \max_j x_j$.
/// `[1, 2, 3]` gives `[0.0900, 0.2447, 0.6652]`, and so must `[1001, 1002, 1003]`.
public func stableSoftmax(_ logits: [Float]) throws -> [Float] {
    throw ExerciseError.notImplemented("Exercise 5.1")
}

/// Exercise 5.2: one attention head, without a mask.
///
/// `query` is [Tq][d], `key` and `value` are [Tk][d] (arrays of rows). Return [Tq][d]:
/// $\mathrm{softmax}(Q K^T / \sqrt{d})\, V$, where the softmax runs along each row of scores.
/// (Use your `stableSoftmax` from 5.1.)
public func attentionHead(query: [[Float]], key: [[Float]], value: [[Float]]) throws -> [[Float]] {
    throw ExerciseError.notImplemented("Exercise 5.2")
}

// Exercise 2.1 (notebooks-md/02-embeddings.md). Grade it with `swift run grade 2.1`.

/// Exercise 2.1: cosine similarity of two vectors of the same length.
///
/// $\cos(a, b) = \frac{a \cdot b}{\|a\|\,\|b\|}$: 1 for vectors pointing the same way, 0 for
/// orthogonal ones, −1 for opposite ones, whatever their lengths.
///
///     cosineSimilarity([1, 0], [0, 2])     // 0
///     cosineSimilarity([1, 2], [2, 4])     // 1
public func cosineSimilarity(_ a: [Float], _ b: [Float]) throws -> Float {
    throw ExerciseError.notImplemented("Exercise 2.1")
}

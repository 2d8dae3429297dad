// Exercises 6.1 and 6.2 (notebooks-md/06-causal-multi-head.md). Grade them with
// `swift run grade 6.1` and `swift run grade 6.2`.

/// Exercise 6.1: the causal mask.
///
/// `scores` is a square [T][T] matrix: row i = query i, column j = key j. Return a copy where
/// every score a query may not see (a key in its future, j > i) is `-Float.infinity`, so that
/// the softmax that follows gives it weight exactly 0. A query always sees itself.
public func causalMask(_ scores: [[Float]]) throws -> [[Float]] {
    throw ExerciseError.notImplemented("Exercise 6.1")
}

/// Exercise 6.2: split channels into heads.
///
/// `x` is [T][C] and C = heads · hs. Head h owns the contiguous channels h·hs ..< (h+1)·hs
/// (nanoGPT's `x.view(T, nh, hs).transpose(0, 1)`). Return [heads][T][hs].
public func splitHeads(_ x: [[Float]], heads: Int) throws -> [[[Float]]] {
    throw ExerciseError.notImplemented("Exercise 6.2")
}

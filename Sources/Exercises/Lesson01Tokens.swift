// Exercise 1.1 (notebooks-md/01-tokens.md). Grade it with `swift run grade 1.1`.

/// Exercise 1.1: one BPE merge step.
///
/// Replace every occurrence of the adjacent pair `pair` in `tokens` by `newToken`, scanning left
/// to right; an occurrence that overlaps one already merged is not merged again:
///
///     bpeMerge([1, 2, 3, 1, 2], pair: (left: 1, right: 2), newToken: 256)   // [256, 3, 256]
///     bpeMerge([97, 97, 97], pair: (left: 97, right: 97), newToken: 256)    // [256, 97]
public func bpeMerge(_ tokens: [Int], pair: (left: Int, right: Int), newToken: Int) throws -> [Int] {
    throw ExerciseError.notImplemented("Exercise 1.1")
}

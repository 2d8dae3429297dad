// SortednessTask: the toy task of the mini-transformer example. Is this sequence sorted?
//
// A sequence is `length` tokens from 0..<vocabulary; its label is 1 when it never decreases
// (3 3 5 9 ...) and 0 otherwise. Examples are drawn so that half are sorted; the unsorted half
// is split between easy ones (uniformly random: almost always far from sorted) and hard ones
// ("near-sorted": a sorted sequence with one adjacent pair of different tokens swapped, so a
// single comparison decides). A model that only spots gross disorder scores about 75%; to do
// better it must compare neighbours, which needs attention and the position embeddings.
// The label is always computed from the tokens, never assumed from how they were drawn.
//
// Held-out split: a sequence belongs to the test split when a hash of its tokens says so
// (`HeldOutSplit`); training draws skip those sequences, so test accuracy is measured only on
// sequences the model never saw.

import Tapestry
import TapestryGPT

/// How an example was drawn (for per-kind accuracy).
enum ExampleKind: Int, CaseIterable {
    case sorted, nearSorted, random
    var name: String { ["sorted", "near-sorted", "random"][rawValue] }
}

/// One labelled sequence.
struct SortednessExample {
    let tokens: [Int]
    let kind: ExampleKind
    var label: Int { SortednessTask.isSorted(tokens) ? 1 : 0 }
}

/// Draws examples of the sortedness task.
struct SortednessTask {
    let vocabulary: Int
    let length: Int

    static func isSorted(_ tokens: [Int]) -> Bool {
        zip(tokens, tokens.dropFirst()).allSatisfy { $0 <= $1 }
    }

    /// One example of a kind chosen with probabilities 1/2 sorted, 1/4 near-sorted, 1/4 random,
    /// from the requested split.
    func example(split: HeldOutSplit.Part, generator: inout RandomGenerator) -> SortednessExample {
        while true {
            let choice = generator.nextInt(below: 4)
            let kind: ExampleKind = choice < 2 ? .sorted : choice == 2 ? .nearSorted : .random
            guard let tokens = draw(kind, generator: &generator) else { continue }
            if HeldOutSplit.part(of: tokens) == split { return SortednessExample(tokens: tokens, kind: kind) }
        }
    }

    /// A sequence of `kind`, or nil when a near-sorted one cannot be made (all tokens equal).
    func draw(_ kind: ExampleKind, generator: inout RandomGenerator) -> [Int]? {
        var tokens = (0..<length).map { _ in generator.nextInt(below: vocabulary) }
        if kind == .random { return tokens }
        tokens.sort()
        if kind == .sorted { return tokens }
        let swappable = (0..<(length - 1)).filter { tokens[$0] != tokens[$0 + 1] }
        guard !swappable.isEmpty else { return nil }
        let i = swappable[generator.nextInt(below: swappable.count)]
        tokens.swapAt(i, i + 1)
        return tokens
    }

    /// `count` examples of one split.
    func examples(_ count: Int, split: HeldOutSplit.Part, generator: inout RandomGenerator) -> [SortednessExample] {
        (0..<count).map { _ in example(split: split, generator: &generator) }
    }
}

// SamplingFilters: from next-token logits to a choice: temperature, top-k, top-p, greedy.
//
//   p = softmax(logits / temperature)      temperature < 1 sharpens, > 1 flattens
//   top-k: keep the k most probable tokens, renormalize
//   top-p: keep the smallest set of most probable tokens whose mass reaches p, renormalize
//   temperature 0: greedy, the most probable token (ties → lowest id)
// Lesson: notebooks-md/10-sampling.md

import Foundation
import Tapestry

/// How to pick the next token.
public struct SamplingOptions: Equatable, Sendable {
    /// 0 means greedy decoding.
    public var temperature: Float = 0.8
    /// Keep only the k most likely tokens (nil = all).
    public var topK: Int? = 200
    /// Nucleus sampling mass in (0, 1] (1 = off).
    public var topP: Float = 1

    public init(temperature: Float = 0.8, topK: Int? = 200, topP: Float = 1) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }
}

/// The steps of sampling, each a small pure function so a learner can print every stage.
public enum Sampling {
    /// softmax(logits / temperature), computed in Double for stability. Requires temperature > 0.
    public static func probabilities(logits: [Float], temperature: Float) -> [Float] {
        let scaled = logits.map { Double($0) / Double(temperature) }
        let maximum = scaled.max() ?? 0
        let exps = scaled.map { Foundation.exp($0 - maximum) }
        let total = exps.reduce(0, +)
        return exps.map { Float($0 / total) }
    }

    /// Zeroes all but the `k` largest probabilities (ties keep the lower id) and renormalizes.
    public static func topK(_ probabilities: [Float], k: Int) -> [Float] {
        guard k < probabilities.count else { return probabilities }
        let keep = Set(rankedIndices(probabilities).prefix(max(k, 1)))
        return renormalized(probabilities.enumerated().map { keep.contains($0.offset) ? $0.element : 0 })
    }

    /// Keeps the most probable tokens, in order, until their mass reaches `p`; at least one.
    public static func topP(_ probabilities: [Float], p: Float) -> [Float] {
        guard p < 1 else { return probabilities }
        var keep = Set<Int>()
        var mass: Float = 0
        for index in rankedIndices(probabilities) {
            keep.insert(index)
            mass += probabilities[index]
            if mass >= p { break }
        }
        return renormalized(probabilities.enumerated().map { keep.contains($0.offset) ? $0.element : 0 })
    }

    /// Token ids from most to least probable (ties: lower id first).
    public static func rankedIndices(_ probabilities: [Float]) -> [Int] {
        probabilities.indices.sorted { probabilities[$0] != probabilities[$1]
            ? probabilities[$0] > probabilities[$1] : $0 < $1 }
    }

    /// The index of the largest logit (ties → lowest id).
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    /// Draws an index with the given probabilities (which sum to ~1).
    public static func draw(_ probabilities: [Float], generator: inout RandomGenerator) -> Int {
        let u = Float(generator.nextUnitDouble())
        var cumulative: Float = 0
        for (i, p) in probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return i }
        }
        return probabilities.lastIndex { $0 > 0 } ?? 0
    }

    /// The full pipeline: greedy at temperature 0, else temperature → top-k → top-p → draw.
    public static func choose(logits: [Float], options: SamplingOptions,
                              generator: inout RandomGenerator) -> Int {
        if options.temperature == 0 { return argmax(logits) }
        var p = probabilities(logits: logits, temperature: options.temperature)
        if let k = options.topK { p = topK(p, k: k) }
        p = topP(p, p: options.topP)
        return draw(p, generator: &generator)
    }

    static func renormalized(_ values: [Float]) -> [Float] {
        let total = values.reduce(0, +)
        return values.map { $0 / total }
    }
}

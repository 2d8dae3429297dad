// Embedding: the nn.Embedding module, a table with one learned row per token id (or position).
//
// What it is: the [count, dimensions] table, initialized N(0, std²) as GPT-2 does (std 0.02),
// and a call that forwards to the `embedding` op (Tapestry/Ops/Embedding.swift), where the row
// gather and its scatter-add backward live.
// What it is not: the lookup itself, or padding_idx / max_norm.
//
// GPT's `wte` table is also the output head's weight (weight tying): the model passes
// `embedding.weight` to a `linear` as well, and the table's gradient is the sum of both uses.

import Tapestry

/// A lookup table of `count` learned vectors of `dimensions` values.
public final class Embedding: Module {
    /// [count, dimensions], named `"\(name).weight"`.
    public let weight: Parameter

    /// Initializes the table ~ N(0, std²), drawn row-major from `generator`.
    public init(name: String, count: Int, dimensions: Int, std: Float = 0.02, generator: inout RandomGenerator) {
        weight = Parameter("\(name).weight", Tensor.randomNormal([count, dimensions], std: std, using: &generator))
    }

    /// Number of rows (vocabulary size or context length).
    public var count: Int { weight.value.shape[0] }
    /// Length of each row.
    public var dimensions: Int { weight.value.shape[1] }

    public var parameters: [Parameter] { [weight] }

    /// The rows for `ids` (each in `0..<count`), arranged as `shape` (e.g. [B, T]):
    /// returns `[shape..., dimensions]` on `tape`.
    public func callAsFunction(_ ids: [Int], shape: [Int], tape: Tape,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable {
        tape.parameter(weight).embedding(ids, shape: shape, file: file, line: line)
    }

    /// The same lookup, reading the ids from a buffer that can be refilled between replays of a
    /// recorded step (see `Tape.replay`).
    public func callAsFunction(_ ids: IndexBuffer, shape: [Int], tape: Tape,
                               file: StaticString = #fileID, line: UInt = #line) -> Variable {
        tape.parameter(weight).embedding(ids, shape: shape, file: file, line: line)
    }
}

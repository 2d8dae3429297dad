// GPT+Positions: where each positional scheme enters a GPT's forward pass.
//
//   learned      x = wte[ids] + wpe[p]                 a trained table, block_size rows
//   sinusoidal   x = wte[ids] + PE[p]/√C              a fixed table (Sinusoidal.swift)
//   rope         q, k rotated by p·θᵢ in every block   (Tapestry/Ops/RotaryEmbedding.swift)
//   alibi        scores − m_h·(i − j) in every block   (ALiBi.swift; Tapestry/Ops/Attention.swift)
// p runs over start ..< start + T, where start is the number of tokens already in the KV cache
// (0 without a cache). The sampler restarts positions at 0 whenever its window slides, with or
// without the cache, so both paths see the same positions for every scheme.
// Lesson: notebooks-md/03-positional-encodings.md

import Tapestry

/// What attention needs to know about positions in one forward pass.
public struct AttentionPositions: Sendable {
    /// RoPE: rotation angles for the positions of this pass.
    public var rotary: RotaryTable?
    /// ALiBi: one slope per head.
    public var alibiSlopes: [Float]?

    public init(rotary: RotaryTable? = nil, alibiSlopes: [Float]? = nil) {
        self.rotary = rotary
        self.alibiSlopes = alibiSlopes
    }

    /// Positions enter elsewhere (learned, sinusoidal) or not at all.
    public static let none = AttentionPositions()
}

extension GPT {
    /// The term added to the token embeddings for positions start ..< start + T, [T, C];
    /// nil for RoPE and ALiBi, which act inside attention instead.
    func positionEmbedding(start: Int, time: Int, tape: Tape) -> Variable? {
        switch config.positionalEncoding {
        case .learned:
            return wpe!(Array(start..<(start + time)), shape: [time], tape: tape)           // [T, C]
        case .sinusoidal:
            let range = start..<(start + time)
            guard let table = sinusoidalTable, range.upperBound <= config.blockSize else {
                // Past block_size (extrapolation experiments): compute the rows afresh.
                return tape.constant(SinusoidalPositions.embedding(positions: range, channels: config.nEmbd))
            }
            let rows = Array(UnsafeBufferPointer(start: table.pointer + start * config.nEmbd, count: time * config.nEmbd))
            return tape.constant(Tensor(shape: [time, config.nEmbd], scalars: rows))         // [T, C]
        case .rope, .alibi:
            return nil
        }
    }

    /// The rotation table (RoPE) or slopes (ALiBi) for positions start ..< start + T.
    func attentionPositions(start: Int, time: Int) -> AttentionPositions {
        switch config.positionalEncoding {
        case .learned, .sinusoidal:
            return .none
        case .rope:
            return AttentionPositions(rotary: RotaryTable(positions: start..<(start + time), headSize: config.headSize))
        case .alibi:
            return AttentionPositions(alibiSlopes: ALiBi.slopes(heads: config.nHead))
        }
    }
}

// Sinusoidal positions: the fixed table of "Attention Is All You Need" (Vaswani et al., 2017),
// added to the token embeddings exactly where nanoGPT adds its learned `wpe`.
//
//   PE[p, 2i]   = sin(p / 10000^(2i/C))
//   PE[p, 2i+1] = cos(p / 10000^(2i/C))        p = position, i = 0 ..< C/2
//
// Each pair of channels is a clock turning at its own speed, from one turn every 2π tokens
// (i = 0) down to one turn every 2π·10000 tokens. Because sin(a + b) and cos(a + b) are fixed
// linear combinations of sin a and cos a, the table at position p + k is a rotation of the
// table at p: a layer can learn to read relative offsets from it.
//
// Scale: the table's entries have RMS 1/√2, while nanoGPT's token embeddings start at std 0.02.
// Added as is, the positions drown the tokens: measured on Shakespeare (default config, 1000
// iterations) the val loss was still 2.7 where learned positions reach 2.15. Vaswani et al.
// multiply the token embeddings by √C before adding the table; the GPT keeps nanoGPT's token
// scale and divides the table by √C instead (`embedding`), the same ratio between the two.
//
// What it is not: trained (no parameter, no gradient). The formula is defined for any p, so
// the table can be computed past block_size; whether the model copes there is what the
// extrapolation column of the README measures.
// Lesson: notebooks-md/03-positional-encodings.md

import Foundation
import Tapestry

/// The fixed sin/cos position table.
public enum SinusoidalPositions {
    /// The rows for `positions`, [T, C] with T = positions.count:
    /// `PE[p, 2i] = sin(p / 10000^(2i/C))`, `PE[p, 2i+1] = cos(p / 10000^(2i/C))`.
    /// Computed in Double and rounded once, so a row is the same whatever range it is part of.
    public static func table(positions: Range<Int>, channels: Int) -> Tensor {
        precondition(channels % 2 == 0, "SinusoidalPositions: channels \(channels) must be even")
        var table = Tensor(uninitializedShape: [positions.count, channels])
        table.withUnsafeMutableBufferPointer { rows in
            for (row, p) in positions.enumerated() {
                for i in 0..<(channels / 2) {
                    let angle = Double(p) / Foundation.pow(10000, Double(2 * i) / Double(channels))
                    rows[row * channels + 2 * i] = Float(Foundation.sin(angle))
                    rows[row * channels + 2 * i + 1] = Float(Foundation.cos(angle))
                }
            }
        }
        return table
    }

    /// What the GPT adds to its token embeddings: `table(positions:channels:) / √C`, [T, C].
    public static func embedding(positions: Range<Int>, channels: Int) -> Tensor {
        let table = table(positions: positions, channels: channels)
        let scale = 1 / Float(channels).squareRoot()
        return Tensor(shape: table.shape, scalars: table.scalars.map { $0 * scale })
    }
}

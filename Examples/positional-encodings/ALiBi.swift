// ALiBi, "Attention with Linear Biases" (Press et al., 2022), as BLOOM and MPT use it.
//
// No position vectors at all: each head h adds a fixed penalty to its attention scores that
// grows linearly with distance,
//   score(i, j) += −m_h · (i − j)      for a key j ≤ i (the future is masked as usual)
// with one slope per head from a geometric sequence: for n heads, m_h = 2^(−8(h+1)/n),
// h = 0 ..< n. For 4 heads: 1/4, 1/16, 1/64, 1/256. Steep heads look at the last few tokens;
// shallow heads can look far back. (For n not a power of two the paper interleaves two such
// sequences; this example keeps the simple formula.)
// What this is not: the GPT's ALiBi. `swift run train --pos alibi` uses
// Sources/TapestryGPT/Positions/ALiBi.swift, whose slopes follow the paper for any n.
// Lesson: notebooks-md/03-positional-encodings.md

import Foundation

/// The slope of each of `heads` heads: m_h = 2^(−8(h+1)/heads).
func alibiSlopes(heads: Int) -> [Double] {
    (0..<heads).map { h in pow(2, -8 * Double(h + 1) / Double(heads)) }
}

/// The bias of one head [T, T]: −slope·(i − j) on and below the diagonal, −∞ above (masked).
func alibiBias(slope: Double, length: Int) -> [[Double]] {
    (0..<length).map { i in (0..<length).map { j in j <= i ? slope * Double(j - i) : -.infinity } }
}

// ALiBi: attention with linear biases (Press, Smith & Lewis, 2022, "Train Short, Test Long").
//
// No position embedding at all. Instead each head h adds a penalty proportional to the
// distance between query position i and key position j to its attention scores:
//   score[i, j] = q_i·k_j / √hs − m_h · (i − j)          (causal: j ≤ i, so the bias ≤ 0)
// The slopes m_h form a geometric sequence, one per head, so some heads look far back and
// others only at the last few tokens. For n heads (n a power of two):
//   m_h = 2^(−8(h+1)/n)          n = 4: 1/4, 1/16, 1/64, 1/256;  n = 8: 1/2, 1/4, ..., 1/256
// For other n, the paper takes the slopes of the power of two below n and fills in with every
// other slope of twice that power (`slopes(heads:)` follows the authors' code).
//
// The bias depends only on i − j, so it means the same thing at any length: a model trained on
// 64 tokens can be run on 128 (the README's extrapolation column). The bias is added inside the
// fused attention op (Tapestry/Ops/Attention.swift, `alibiSlopes:`); being a constant, it
// changes the forward scores but not the backward formulas.
// What it is not: trained. The slopes are fixed.
// Lesson: notebooks-md/03-positional-encodings.md

import Foundation

/// The fixed per-head slopes of ALiBi.
public enum ALiBi {
    /// Slopes m_h for `heads` heads: `2^(−8(h+1)/n)` for n a power of two; otherwise the
    /// power of two below n, then every other slope of twice that power.
    /// `slopes(heads: 4) == [0.25, 0.0625, 0.015625, 0.00390625]`.
    public static func slopes(heads: Int) -> [Float] {
        precondition(heads > 0, "ALiBi: heads must be positive, got \(heads)")
        func powerOfTwo(_ n: Int) -> [Double] {
            let start = Foundation.pow(2, -8 / Double(n))                 // 2^(−8/n), also the ratio
            return (0..<n).map { Foundation.pow(start, Double($0 + 1)) }
        }
        var below = 1
        while below * 2 <= heads { below *= 2 }
        if below == heads { return powerOfTwo(heads).map(Float.init) }
        let extra = stride(from: 0, to: 2 * below, by: 2).map { powerOfTwo(2 * below)[$0] }
        return (powerOfTwo(below) + extra.prefix(heads - below)).map(Float.init)
    }
}

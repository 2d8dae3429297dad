// Graders for the exercises of lessons 5-8: softmax, one attention head, the causal mask,
// splitting heads, LayerNorm's backward and a GPT's parameter count. Attention, softmax and
// LayerNorm are checked against Tapestry's own ops.

import Foundation
import Tapestry

extension Grader {
    /// Exercise 5.1: `stableSoftmax(logits)`.
    public static func stableSoftmax(_ implementation: ([Float]) throws -> [Float]) -> GradeResult {
        grade("5.1", "stable softmax") { check in
            var generator = RandomGenerator(seed: 51)
            let random = (0..<50).map { _ in generator.normal() * 3 }
            let cases: [([Float], String?)] = [
                ([1, 2, 3], nil),
                ([5], "a single logit gets probability 1"),
                ([1001, 1002, 1003], "subtract the maximum logit before exp: e¹⁰⁰¹ overflows Float to inf, and inf/inf is nan"),
                ([-1000, -1000], "subtract the maximum logit before exp: e⁻¹⁰⁰⁰ underflows to 0, and 0/0 is nan"),
                ([0, -Float.infinity, 1], "a logit of −∞ gets probability exactly 0"),
                (random, nil),
            ]
            for (logits, hint) in cases {
                let got = try check.call("stableSoftmax(\(Checker.format(logits)))") { try implementation(logits) }
                try check.close("stableSoftmax(\(Checker.format(logits)))", expected: softmaxOracle(logits), got: got, hint: hint)
            }
        }
    }

    /// Tapestry's softmax of one row.
    static func softmaxOracle(_ logits: [Float]) -> [Float] {
        let tape = Tape()
        return tape.constant(Tensor(logits)).softmax().value.scalars
    }

    /// Exercise 5.2: `attentionHead(query:key:value:)`.
    public static func attentionHead(_ implementation: ([[Float]], [[Float]], [[Float]]) throws -> [[Float]]) -> GradeResult {
        grade("5.2", "one attention head") { check in
            var generator = RandomGenerator(seed: 52)
            func matrix(_ rows: Int, _ columns: Int) -> [[Float]] {
                (0..<rows).map { _ in (0..<columns).map { _ in generator.normal() * 2 } }
            }
            for (queries, keys, size) in [(1, 1, 1), (3, 3, 4), (2, 5, 8), (4, 6, 16)] {
                let q = matrix(queries, size), k = matrix(keys, size), v = matrix(keys, size)
                let got = try check.call("attentionHead(query: [\(queries)][\(size)], key: [\(keys)][\(size)], ...)") {
                    try implementation(q, k, v)
                }
                let expected = attentionOracle(q, k, v, scale: true)
                var hint = "scores[i][j] = (qᵢ · kⱼ)/√d; softmax each row of scores; output row i = Σⱼ wᵢⱼ vⱼ"
                if got.count == queries, matches(got, attentionOracle(q, k, v, scale: false)) {
                    hint = "your output is exactly attention WITHOUT the 1/√d scale: divide the scores by √d (d = \(size))"
                }
                try check.close("attentionHead, \(queries) queries, \(keys) keys, d = \(size): output",
                                expected: expected, got: got, tolerance: 1e-4, hint: hint)
            }
        }
    }

    /// Tapestry's fused attention (one batch, one head); `scale: false` undoes its 1/√d.
    static func attentionOracle(_ q: [[Float]], _ k: [[Float]], _ v: [[Float]], scale: Bool) -> [[Float]] {
        let d = q[0].count
        let factor: Float = scale ? 1 : Float(d).squareRoot()        // multiplying q by √d cancels the 1/√d
        let tape = Tape()
        let query = tape.constant(Tensor(shape: [1, q.count, d], scalars: q.flatMap { $0.map { $0 * factor } }))
        let key = tape.constant(Tensor(shape: [1, k.count, d], scalars: k.flatMap { $0 }))
        let value = tape.constant(Tensor(shape: [1, v.count, d], scalars: v.flatMap { $0 }))
        let out = Variable.scaledDotProductAttention(query: query, key: key, value: value, heads: 1, causal: false).output
        return (0..<q.count).map { i in (0..<d).map { c in out.value[0, i, c] } }
    }

    static func matches(_ a: [[Float]], _ b: [[Float]]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.count == y.count && zip(x, y).allSatisfy { Checker.isClose($0, $1, tolerance: 1e-4) }
        }
    }

    /// Exercise 6.1: `causalMask(scores)`.
    public static func causalMask(_ implementation: ([[Float]]) throws -> [[Float]]) -> GradeResult {
        grade("6.1", "causal mask") { check in
            for size in [1, 2, 4, 7] {
                let scores = (0..<size).map { i in (0..<size).map { j in Float(i * 10 + j) / 10 } }
                let expected = scores.enumerated().map { i, row in row.enumerated().map { j, s in j > i ? -Float.infinity : s } }
                let got = try check.call("causalMask(\(size)×\(size) scores)") { try implementation(scores) }
                try check.close("causalMask of \(size)×\(size) scores", expected: expected, got: got, tolerance: 0,
                                hint: "row i (query i) keeps keys 0...i, the diagonal included; only keys j > i become −∞")
            }
        }
    }

    /// Exercise 6.2: `splitHeads(x, heads:)`.
    public static func splitHeads(_ implementation: ([[Float]], Int) throws -> [[[Float]]]) -> GradeResult {
        grade("6.2", "split channels into heads") { check in
            for (time, channels, heads) in [(1, 4, 1), (3, 6, 2), (4, 12, 3)] {
                let x = (0..<time).map { t in (0..<channels).map { c in Float(100 * t + c) } }   // x[t][c] = 100t + c
                let headSize = channels / heads
                let got = try check.call("splitHeads([\(time)][\(channels)], heads: \(heads))") { try implementation(x, heads) }
                try check.require(got.count == heads && got.allSatisfy({ $0.count == time && $0.allSatisfy { $0.count == headSize } }),
                                  "splitHeads([\(time)][\(channels)], heads: \(heads)): expected shape [\(heads)][\(time)][\(headSize)], got [\(got.count)][\(got.first?.count ?? 0)][\(got.first?.first?.count ?? 0)]")
                for h in 0..<heads {
                    let expected = x.map { Array($0[(h * headSize)..<((h + 1) * headSize)]) }
                    try check.close("splitHeads([\(time)][\(channels)], heads: \(heads)), head \(h) (x[t][c] = 100t + c)",
                                    expected: expected, got: got[h], tolerance: 0,
                                    hint: "head h owns the CONTIGUOUS channels h·hs ..< (h+1)·hs, not every nh-th channel")
                }
            }
        }
    }

    /// Exercise 7.1: `layerNormBackward(x:weight:outputGradient:epsilon:)`.
    public static func layerNormBackward(_ implementation: ([Float], [Float], [Float], Float) throws -> [Float]) -> GradeResult {
        grade("7.1", "LayerNorm backward") { check in
            var generator = RandomGenerator(seed: 71)
            let c = 8
            let ones = [Float](repeating: 1, count: c)
            let x = (0..<c).map { _ in generator.normal() * 2 + 1 }
            let weight = (0..<c).map { _ in generator.normal() }
            let dy = (0..<c).map { _ in generator.normal() }
            let cases: [(String, [Float], [Float], [Float], String)] = [
                ("constant dy = 1, weight = 1", x, ones, ones,
                 "adding a constant to x leaves LayerNorm unchanged, so a constant dy gives dx = 0: keep the −mean(g) term"),
                ("dy = x̂-direction", [1, 2, 3, 4], [1, 1, 1, 1], [-1.5, -0.5, 0.5, 1.5],
                 "scaling x leaves LayerNorm unchanged: keep the −x̂·mean(g ⊙ x̂) term"),
                ("random x, weight and dy", x, weight, dy,
                 "dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)) with g = dy ⊙ weight"),
            ]
            for (name, x, weight, dy, hint) in cases {
                let got = try check.call("layerNormBackward (\(name))") { try implementation(x, weight, dy, 1e-5) }
                try check.close("layerNormBackward dx (\(name))", expected: layerNormOracle(x, weight, dy),
                                got: got, tolerance: 1e-3, hint: hint)
            }
        }
    }

    /// dx from Tapestry's layerNorm op, by one backward pass seeded with dy.
    static func layerNormOracle(_ x: [Float], _ weight: [Float], _ dy: [Float]) -> [Float] {
        let tape = Tape()
        let input = tape.variable(Tensor(x))
        let y = input.layerNorm(weight: tape.constant(Tensor(weight)), bias: tape.constant(Tensor(zeros: [x.count])))
        tape.backward(y, seed: Tensor(dy))
        return tape.gradient(of: input)!.scalars
    }

    /// Exercise 8.1: `gptParameterCount(vocabularySize:contextLength:channels:layers:)`.
    public static func gptParameterCount(_ implementation: (Int, Int, Int, Int) throws -> Int) -> GradeResult {
        grade("8.1", "GPT parameter count") { check in
            for (v, t, c, l) in [(65, 64, 128, 4), (10, 8, 4, 1), (50257, 1024, 768, 12)] {
                let got = try check.call("gptParameterCount(V \(v), T \(t), C \(c), layers \(l))") { try implementation(v, t, c, l) }
                let expected = gptShapes(v, t, c, l).reduce(0) { $0 + $1.shape.reduce(1, *) }
                var hint = "list every tensor: wte [V, C], wpe [T, C], per block ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj (weights and biases), then ln_f"
                if got == expected + v * c { hint = "you counted the output head separately: it is tied to wte (the same [V, C] matrix)" }
                try check.require(got == expected,
                                  "gptParameterCount(vocabularySize: \(v), contextLength: \(t), channels: \(c), layers: \(l)): expected \(expected), got \(got)",
                                  hint: hint)
            }
        }
    }

    /// Every tensor of nanoGPT's GPT (bias = true), by name and shape.
    static func gptShapes(_ v: Int, _ t: Int, _ c: Int, _ layers: Int) -> [(name: String, shape: [Int])] {
        var shapes: [(String, [Int])] = [("transformer.wte.weight", [v, c]), ("transformer.wpe.weight", [t, c])]
        for i in 0..<layers {
            let p = "transformer.h.\(i)."
            shapes += [(p + "ln_1.weight", [c]), (p + "ln_1.bias", [c]),
                       (p + "attn.c_attn.weight", [3 * c, c]), (p + "attn.c_attn.bias", [3 * c]),
                       (p + "attn.c_proj.weight", [c, c]), (p + "attn.c_proj.bias", [c]),
                       (p + "ln_2.weight", [c]), (p + "ln_2.bias", [c]),
                       (p + "mlp.c_fc.weight", [4 * c, c]), (p + "mlp.c_fc.bias", [4 * c]),
                       (p + "mlp.c_proj.weight", [c, 4 * c]), (p + "mlp.c_proj.bias", [c])]
        }
        return shapes + [("transformer.ln_f.weight", [c]), ("transformer.ln_f.bias", [c])]
    }
}

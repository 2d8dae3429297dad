// Graders for the exercises of lessons 1-4: BPE merge, cosine similarity, sinusoidal
// positions, backpropagation by hand, and a new op on the tape. Expected values come from the
// grader's own small computations (in Double where it matters) or from Tapestry's ops, never
// from Sources/ExerciseSolutions.

import Foundation
import Tapestry

extension Grader {
    /// Exercise 1.1: `bpeMerge(tokens, pair:, newToken:)`.
    public static func bpeMerge(_ implementation: ([Int], (left: Int, right: Int), Int) throws -> [Int]) -> GradeResult {
        grade("1.1", "BPE merge step") { check in
            let cases: [(tokens: [Int], pair: (Int, Int), hint: String?)] = [
                ([1, 2, 3, 1, 2], (1, 2), nil),
                ([5, 1, 2], (1, 2), "look at the last pair too"),
                ([97, 97, 97], (97, 97), "after merging a pair, skip BOTH of its tokens: occurrences never overlap"),
                ([97, 97, 97, 97], (97, 97), nil),
                ([2, 1, 2, 1], (1, 2), "a merge joins (left, right) in that order only"),
                ([7], (7, 7), nil),
                ([], (1, 2), nil),
            ]
            for (tokens, pair, hint) in cases {
                let got = try check.call("bpeMerge(\(tokens), pair: \(pair))") {
                    try implementation(tokens, (left: pair.0, right: pair.1), 256)
                }
                try check.equal("bpeMerge(\(tokens), pair: \(pair), newToken: 256)",
                                expected: mergeOracle(tokens, pair, 256), got: got, hint: hint)
            }
            var generator = RandomGenerator(seed: 11)
            let tokens = (0..<200).map { _ in generator.nextInt(below: 3) }
            let got = try check.call("bpeMerge(random tokens)") { try implementation(tokens, (left: 1, right: 1), 3) }
            try check.equal("bpeMerge(200 random tokens in 0..<3, pair: (1, 1), newToken: 3)",
                            expected: mergeOracle(tokens, (1, 1), 3), got: got)
        }
    }

    static func mergeOracle(_ tokens: [Int], _ pair: (Int, Int), _ newToken: Int) -> [Int] {
        var out: [Int] = [], i = 0
        while i < tokens.count {
            if i + 1 < tokens.count, tokens[i] == pair.0, tokens[i + 1] == pair.1 { out.append(newToken); i += 2 }
            else { out.append(tokens[i]); i += 1 }
        }
        return out
    }

    /// Exercise 2.1: `cosineSimilarity(a, b)`.
    public static func cosineSimilarity(_ implementation: ([Float], [Float]) throws -> Float) -> GradeResult {
        grade("2.1", "cosine similarity") { check in
            let hint = "divide the dot product by BOTH lengths, ‖a‖ and ‖b‖"
            let cases: [([Float], [Float], Float)] = [
                ([1, 0], [0, 2], 0), ([1, 2], [2, 4], 1), ([1, 2], [-1, -2], -1), ([3, 4], [4, 3], 0.96),
                ([0.1, 0.2, 0.3], [10, 20, 30], 1),
            ]
            for (a, b, expected) in cases {
                let got = try check.call("cosineSimilarity(\(a), \(b))") { try implementation(a, b) }
                try check.close("cosineSimilarity(\(a), \(b))", expected: expected, got: got, hint: hint)
            }
            var generator = RandomGenerator(seed: 21)
            let a = (0..<64).map { _ in generator.normal() }, b = (0..<64).map { _ in generator.normal() }
            var dot = 0.0, aa = 0.0, bb = 0.0
            for i in 0..<64 { dot += Double(a[i] * b[i]); aa += Double(a[i] * a[i]); bb += Double(b[i] * b[i]) }
            let got = try check.call("cosineSimilarity(random)") { try implementation(a, b) }
            try check.close("cosineSimilarity of two random 64-dimensional vectors",
                            expected: Float(dot / (aa * bb).squareRoot()), got: got, hint: hint)
        }
    }

    /// Exercise 3.1: `sinusoidalPositions(positions:channels:)`.
    public static func sinusoidalPositions(_ implementation: (Int, Int) throws -> [[Float]]) -> GradeResult {
        grade("3.1", "sinusoidal positions") { check in
            func oracle(_ positions: Int, _ channels: Int) -> [[Float]] {
                (0..<positions).map { p in
                    (0..<channels).map { c in
                        let angle = Double(p) * Foundation.pow(10_000, -Double(c - c % 2) / Double(channels))
                        return Float(c % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
                    }
                }
            }
            let first = try check.call("sinusoidalPositions(positions: 1, channels: 4)") { try implementation(1, 4) }
            try check.close("sinusoidalPositions(positions: 1, channels: 4)", expected: [[0, 1, 0, 1]], got: first,
                            hint: "position 0: sin 0 = 0 at even channels, cos 0 = 1 at odd channels")
            for (positions, channels) in [(6, 4), (16, 32)] {
                let got = try check.call("sinusoidalPositions(positions: \(positions), channels: \(channels))") {
                    try implementation(positions, channels)
                }
                try check.close("sinusoidalPositions(positions: \(positions), channels: \(channels))",
                                expected: oracle(positions, channels), got: got, tolerance: 1e-4,
                                hint: "channels 2i and 2i+1 share the frequency ωᵢ = 10000^(−2i/C): the exponent uses 2i, not i or c")
            }
        }
    }

    /// Exercise 4.1: `tanhExpressionGradients(a:b:)` for f = tanh(a·b + a).
    public static func tanhExpressionGradients(_ implementation: (Float, Float) throws -> (value: Float, da: Float, db: Float))
        -> GradeResult {
        grade("4.1", "backpropagation by hand") { check in
            for (a, b) in [(0.5, -1.5), (1.0, 0.25), (-0.3, 2.0), (0.0, 0.7)] as [(Float, Float)] {
                let got = try check.call("tanhExpressionGradients(a: \(a), b: \(b))") { try implementation(a, b) }
                let u = Double(a) * Double(b) + Double(a), f = Foundation.tanh(u), du = 1 - f * f
                let name = "f(a, b) = tanh(a·b + a) at a = \(a), b = \(b)"
                try check.close("\(name): f", expected: Float(f), got: got.value)
                try check.close("\(name): ∂f/∂a", expected: Float(du * (Double(b) + 1)), got: got.da,
                                hint: "a reaches u along two paths (a·b and + a): add both contributions, du·b + du·1")
                try check.close("\(name): ∂f/∂b", expected: Float(du * Double(a)), got: got.db,
                                hint: "∂f/∂b = (1 − f²)·a by the chain rule through u")
            }
        }
    }

    /// Exercise 4.2: `sigmoid(x)` recorded on the tape.
    public static func sigmoid(_ implementation: (Variable) throws -> Variable) -> GradeResult {
        grade("4.2", "sigmoid op on the tape") { check in
            let inputs: [Float] = [-3, -1, 0, 0.5, 2, 10]
            let expected = inputs.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }
            let derivative = expected.map { $0 * (1 - $0) }

            // Forward values and shape.
            let tape = Tape()
            let x = tape.variable(Tensor(shape: [2, 3], scalars: inputs))
            let y = try check.call("sigmoid(x)") { try implementation(x) }
            try check.require(y.shape == [2, 3], "sigmoid(x) of shape [2, 3]: got shape \(y.shape)",
                              hint: "the output has the shape of x: Tensor(uninitializedShape: x.shape)")
            try check.close("sigmoid(\(inputs))", expected: expected, got: y.value.scalars)

            // Backward: loss = Σ wᵢ σ(xᵢ), so ∂loss/∂xᵢ = wᵢ σ(xᵢ)(1 − σ(xᵢ)).
            let weights: [Float] = [1, -2, 0.5, 3, 1, -1]
            let loss = (y * tape.constant(Tensor(shape: [2, 3], scalars: weights))).sum()
            tape.backward(loss)
            guard let gradient = tape.gradient(of: x) else {
                throw CheckFailure(message: "no gradient reached x through sigmoid(x)",
                                   hint: "return x.tape.record(\"sigmoid\", inputs: [x], output: y) { dy in ... }")
            }
            try check.close("∂/∂x of Σ w·sigmoid(x), w = \(weights)",
                            expected: zip(weights, derivative).map { $0 * $1 }, got: gradient.scalars,
                            hint: "the local derivative is σ(x)(1 − σ(x)), times the incoming dy")

            // Fan-out: x also feeds another op, so sigmoid's backward must ADD into dx.
            let tape2 = Tape()
            let x2 = tape2.variable(Tensor(inputs))
            let s = try check.call("sigmoid(x)") { try implementation(x2) }
            tape2.backward((s + x2).sum())
            try check.close("∂/∂x of Σ (sigmoid(x) + x)", expected: derivative.map { $0 + 1 },
                            got: tape2.gradient(of: x2)?.scalars ?? [],
                            hint: "ADD into x.tape.gradientPointer(x) (+=), never assign: x also gets gradient from the + op")

            // A constant input: no gradient wanted, nothing may crash.
            let tape3 = Tape()
            let constant = try check.call("sigmoid(constant)") { try implementation(tape3.constant(Tensor([0]))) }
            try check.close("sigmoid of a constant [0]", expected: [0.5], got: constant.value.scalars,
                            hint: "when x needs no gradient, gradientPointer(x) is nil: skip it")
        }
    }
}

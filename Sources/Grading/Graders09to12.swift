// Graders for the exercises of lessons 9-12: an AdamW step, the learning-rate schedule,
// gradient clipping, top-p, temperature, appending to a KV cache, and int8 quantization.
// Expected values are computed here in Double from the formulas in the exercises' comments.

import Foundation
import Tapestry

extension Grader {
    /// The arguments of `adamWStep`, as one value.
    public typealias AdamWStep = (_ parameters: [Float], _ gradients: [Float], _ firstMoment: [Float], _ secondMoment: [Float],
                                  _ step: Int, _ learningRate: Float, _ beta1: Float, _ beta2: Float, _ epsilon: Float,
                                  _ weightDecay: Float) throws -> (parameters: [Float], firstMoment: [Float], secondMoment: [Float])

    /// Exercise 9.1: `adamWStep(...)`, three steps in a row on one small tensor.
    public static func adamWStep(_ implementation: AdamWStep) -> GradeResult {
        grade("9.1", "one AdamW step") { check in
            let (lr, beta1, beta2, epsilon, decay): (Double, Double, Double, Double, Double) = (0.1, 0.9, 0.999, 1e-8, 0.1)
            var theta: [Float] = [1, -2, 0.5, 3], m = [Float](repeating: 0, count: 4), v = m
            var expectedTheta = theta.map(Double.init), expectedM = [Double](repeating: 0, count: 4), expectedV = expectedM
            let gradientsByStep: [[Float]] = [[0.5, -1, 0.02, 2], [0.4, 0.8, -0.1, 1.5], [-0.3, 0.6, 0.05, 1]]
            for (index, g) in gradientsByStep.enumerated() {
                let step = index + 1
                for i in 0..<4 {
                    expectedM[i] = beta1 * expectedM[i] + (1 - beta1) * Double(g[i])
                    expectedV[i] = beta2 * expectedV[i] + (1 - beta2) * Double(g[i]) * Double(g[i])
                    let mHat = expectedM[i] / (1 - Foundation.pow(beta1, Double(step)))
                    let vHat = expectedV[i] / (1 - Foundation.pow(beta2, Double(step)))
                    expectedTheta[i] -= lr * decay * expectedTheta[i] + lr * mHat / (vHat.squareRoot() + epsilon)
                }
                let got = try check.call("adamWStep(step: \(step))") {
                    try implementation(theta, g, m, v, step, Float(lr), Float(beta1), Float(beta2), Float(epsilon), Float(decay))
                }
                let name = "adamWStep at step \(step) (lr 0.1, β₁ 0.9, β₂ 0.999, weight decay 0.1)"
                try check.close("\(name): first moment m", expected: expectedM.map { Float($0) }, got: got.firstMoment,
                                tolerance: 1e-5, hint: "m = β₁·m + (1 − β₁)·g, with the raw gradient: weight decay never enters m")
                try check.close("\(name): second moment v", expected: expectedV.map { Float($0) }, got: got.secondMoment,
                                tolerance: 1e-5, hint: "v = β₂·v + (1 − β₂)·g²")
                try check.close("\(name): parameters", expected: expectedTheta.map { Float($0) }, got: got.parameters,
                                tolerance: 1e-5,
                                hint: "bias-correct both moments (m̂ = m/(1 − β₁^step), v̂ = v/(1 − β₂^step)) and decay θ by lr·λ·θ")
                (theta, m, v) = (got.parameters, got.firstMoment, got.secondMoment)
            }
        }
    }

    /// Exercise 9.2: `learningRate(step:maxRate:minRate:warmupSteps:decaySteps:)`.
    public static func learningRate(_ implementation: (Int, Float, Float, Int, Int) throws -> Float) -> GradeResult {
        grade("9.2", "warmup + cosine learning rate") { check in
            let (maxRate, minRate, warmup, decay) = (1e-3, 1e-4, 10, 110)
            for step in [0, 1, 5, 9, 10, 11, 35, 60, 100, 109, 110, 111, 500] {
                let expected: Double
                if step < warmup { expected = maxRate * Double(step + 1) / Double(warmup + 1) }
                else if step > decay { expected = minRate }
                else {
                    let ratio = Double(step - warmup) / Double(decay - warmup)
                    expected = minRate + 0.5 * (1 + Foundation.cos(Double.pi * ratio)) * (maxRate - minRate)
                }
                let got = try check.call("learningRate(step: \(step))") {
                    try implementation(step, Float(maxRate), Float(minRate), warmup, decay)
                }
                let hint = step < warmup ? "warmup: maxRate·(step + 1)/(warmup + 1), so step 0 already moves a little"
                    : step > decay ? "after decaySteps the rate stays at minRate"
                    : "cosine: minRate + ½(1 + cos(π·r))·(maxRate − minRate), r = (step − warmup)/(decaySteps − warmup)"
                try check.close("learningRate(step: \(step), maxRate: 1e-3, minRate: 1e-4, warmupSteps: 10, decaySteps: 110)",
                                expected: Float(expected), got: got, tolerance: 1e-5, hint: hint)
            }
        }
    }

    /// Exercise 9.3: `clipGradientNorm(gradients, maxNorm:)`.
    public static func clipGradientNorm(_ implementation: ([[Float]], Float) throws -> (gradients: [[Float]], norm: Float))
        -> GradeResult {
        grade("9.3", "clip by global norm") { check in
            let cases: [([[Float]], Float)] = [
                ([[3, 4], [0, 0, 12]], 1),          // global norm 13 > 1
                ([[0.3], [0.4]], 1),                 // 0.5 < 1: unchanged
                ([[6, 8]], 5),                       // a single tensor, norm 10
            ]
            for (gradients, maxNorm) in cases {
                var sum = 0.0
                for t in gradients { for g in t { sum += Double(g) * Double(g) } }
                let norm = sum.squareRoot(), scale = Double(maxNorm) / (norm + 1e-6)
                let expected = scale < 1 ? gradients.map { $0.map { Float(Double($0) * scale) } } : gradients
                let got = try check.call("clipGradientNorm(\(gradients), maxNorm: \(maxNorm))") { try implementation(gradients, maxNorm) }
                try check.close("clipGradientNorm(\(gradients), maxNorm: \(maxNorm)): norm", expected: Float(norm), got: got.norm,
                                hint: "the norm of ALL gradients together: √(Σ over every tensor and element of g²), before clipping")
                try check.close("clipGradientNorm(\(gradients), maxNorm: \(maxNorm)): gradients", expected: expected,
                                got: got.gradients, tolerance: 1e-5,
                                hint: "one common scale maxNorm/(‖g‖ + 1e-6) for every tensor, applied only when it is below 1")
            }
        }
    }

    /// Exercise 10.1: `topP(probabilities, p:)`.
    public static func topP(_ implementation: ([Float], Float) throws -> [Float]) -> GradeResult {
        grade("10.1", "top-p filtering") { check in
            let cases: [([Float], Float)] = [
                ([0.5, 0.3, 0.2], 0.6), ([0.5, 0.3, 0.2], 0.5), ([0.1, 0.6, 0.3], 0.8), ([0.25, 0.25, 0.25, 0.25], 0.5),
                ([0.05, 0.05, 0.9], 0.1), ([0.5, 0.3, 0.2], 1),
            ]
            for (probabilities, p) in cases {
                let got = try check.call("topP(\(probabilities), p: \(p))") { try implementation(probabilities, p) }
                try check.close("topP(\(probabilities), p: \(p))", expected: topPOracle(probabilities, p), got: got,
                                hint: "sort from most to least probable and keep tokens until their mass is ≥ p, INCLUDING the token that crosses p; then divide by the kept mass")
            }
        }
    }

    static func topPOracle(_ probabilities: [Float], _ p: Float) -> [Float] {
        let order = probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
        var kept = [Double](repeating: 0, count: probabilities.count), mass = 0.0
        for i in order {
            kept[i] = Double(probabilities[i])
            mass += Double(probabilities[i])
            if mass >= Double(p) - 1e-7 { break }
        }
        return kept.map { Float($0 / mass) }
    }

    /// Exercise 10.2: `probabilities(logits:temperature:)`.
    public static func temperature(_ implementation: ([Float], Float) throws -> [Float]) -> GradeResult {
        grade("10.2", "temperature") { check in
            for (logits, temperature) in [([1, 2, 3], 1), ([1, 2, 3], 0.5), ([1, 2, 3], 2), ([2, 0, -1, 4], 0.25),
                                          ([1000, 1001], 0.5)] as [([Float], Float)] {
                let got = try check.call("probabilities(logits: \(logits), temperature: \(temperature))") {
                    try implementation(logits, temperature)
                }
                try check.close("probabilities(logits: \(logits), temperature: \(temperature))",
                                expected: softmaxOracle(logits.map { $0 / temperature }), got: got,
                                hint: temperature == 0.5 && logits[0] == 1000 ? "subtract the maximum before exp, as in 5.1"
                                    : "DIVIDE the logits by the temperature, then softmax: τ < 1 makes the top token more likely")
            }
        }
    }

    /// Exercise 11.1: `appendToCache(cache, new)`.
    public static func appendToCache(_ implementation: (Tensor, Tensor) throws -> Tensor) -> GradeResult {
        grade("11.1", "append to a KV cache") { check in
            for (batch, cached, added, channels) in [(1, 2, 1, 3), (2, 3, 1, 4), (3, 0, 2, 2), (2, 4, 3, 5)] {
                // Entry value = 1000·b + 10·t + c/10, so a misplaced row is easy to spot.
                func entries(_ rows: Int, offset: Int) -> Tensor {
                    var scalars: [Float] = []
                    for b in 0..<batch { for t in 0..<rows { for c in 0..<channels {
                        scalars.append(Float(1000 * b + 10 * (t + offset)) + Float(c) / 10)
                    } } }
                    return rows == 0 ? Tensor(zeros: [batch, 0, channels]) : Tensor(shape: [batch, rows, channels], scalars: scalars)
                }
                let cache = entries(cached, offset: 0), new = entries(added, offset: cached)
                let expected = entries(cached + added, offset: 0)
                let name = "appendToCache(cache [\(batch), \(cached), \(channels)], new [\(batch), \(added), \(channels)])"
                let got = try check.call(name) { try implementation(cache, new) }
                try check.require(got.shape == expected.shape, "\(name): expected shape \(expected.shape), got \(got.shape)",
                                  hint: "the result is [B, T + Tnew, C]: the time axis grows, B and C stay")
                try check.close("\(name) (entry = 1000·b + 10·t + c/10), flat", expected: expected.scalars, got: got.scalars,
                                tolerance: 0,
                                hint: "append along TIME, per sequence: b's cached rows then b's new rows. Concatenating the flat arrays appends along the batch axis instead")
            }
        }
    }

    /// Exercise 12.1: `quantizeInt8(row)`.
    public static func quantizeInt8(_ implementation: ([Float]) throws -> (scale: Float, values: [Int8])) -> GradeResult {
        grade("12.1", "int8 absmax quantization") { check in
            var generator = RandomGenerator(seed: 121)
            let random = (0..<64).map { _ in generator.normal() * 0.05 }
            for row in [[0.5, -1.27, 0.01, 1.0], [0, 0, 0], [2, 1.5, -0.25], [-3, 0.011, 3], random] as [[Float]] {
                // In Float, as the exercise computes it, so a value near .5 rounds the same way.
                let largest = row.reduce(Float(0)) { Swift.max($0, abs($1)) }
                let scale: Float = largest > 0 ? largest / 127 : 1
                let expected = row.map { Int8(($0 / scale).rounded()) }
                let name = "quantizeInt8(\(Checker.format(row)))"
                let got = try check.call(name) { try implementation(row) }
                try check.close("\(name): scale", expected: scale, got: got.scale, tolerance: 1e-5,
                                hint: "scale = max |x| / 127: the largest MAGNITUDE, so negative values fit too (1 for an all-zero row)")
                try check.equal("\(name): values", expected: expected, got: got.values,
                                hint: "q = round(x / scale), to the NEAREST integer (`.rounded()`), not truncated toward zero")
            }
        }
    }
}

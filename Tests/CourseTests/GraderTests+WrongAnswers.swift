// GraderTests, part (c): each grader fails a plausible wrong answer, and its message names the
// first wrong value (where, expected, got) and gives the hint for that mistake.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExerciseSolutions
import Grading
import Tapestry
import Testing

extension GraderTests {
    /// Asserts that `result` failed and that its report contains each of `fragments`.
    func expectFailure(_ result: GradeResult, mentioning fragments: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!result.passed, "a wrong answer passed: \(result.report)", sourceLocation: sourceLocation)
        #expect(!result.isNotImplemented, sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.report.contains(fragment), "missing \"\(fragment)\" in:\n\(result.report)",
                    sourceLocation: sourceLocation)
        }
    }

    func sigmoidValues(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, scalars: x.scalars.map { 1 / (1 + expf(-$0)) })
    }

    @Test func bpeMergeThatRemergesOverlappingPairsFails() {
        // After a merge it steps one token instead of two: "a a a" becomes "aa aa a".
        let result = Grader.bpeMerge { tokens, pair, newToken in
            var out: [Int] = [], i = 0
            while i < tokens.count {
                if i + 1 < tokens.count && tokens[i] == pair.left && tokens[i + 1] == pair.right { out.append(newToken) }
                else if i == 0 || !(tokens[i - 1] == pair.left && tokens[i] == pair.right) { out.append(tokens[i]) }
                i += 1
            }
            return out
        }
        expectFailure(result, mentioning: ["bpeMerge([97, 97, 97], pair: (97, 97), newToken: 256) index 1: expected 97, got 256",
                                           "skip BOTH"])
    }

    @Test func cosineWithoutNormalizingFails() {
        let result = Grader.cosineSimilarity { a, b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        expectFailure(result, mentioning: ["cosineSimilarity([1.0, 2.0], [2.0, 4.0]): expected 1, got 10", "BOTH lengths"])
    }

    @Test func sinusoidWithTheWrongExponentFails() {
        // Uses 10000^(−i/C) for pair i instead of 10000^(−2i/C).
        let result = Grader.sinusoidalPositions { positions, channels in
            (0..<positions).map { p in (0..<channels).map { c in
                let angle = Double(p) * pow(10_000, -Double(c / 2) / Double(channels))
                return Float(c % 2 == 0 ? sin(angle) : cos(angle))
            } }
        }
        expectFailure(result, mentioning: ["sinusoidalPositions(positions: 6, channels: 4) [1, 2]: expected 0.00999983, got 0.0998334",
                                           "the exponent uses 2i"])
    }

    @Test func handGradientsThatForgetTheFanOutFail() {
        let result = Grader.tanhExpressionGradients { a, b in
            let f = tanhf(a * b + a)
            return (f, (1 - f * f) * b, (1 - f * f) * a)        // drops the "+ a" path into ∂f/∂a
        }
        expectFailure(result, mentioning: ["at a = 0.5, b = -1.5: ∂f/∂a: expected", "two paths"])
    }

    @Test func sigmoidWithTheWrongDerivativeFails() {
        let result = Grader.sigmoid { x in
            let y = sigmoidValues(x.value)
            return x.tape.record("sigmoid", inputs: [x], output: y) { dy in
                guard let dx = x.tape.gradientPointer(x) else { return }
                for i in 0..<y.count { dx[i] += dy[i] * y.pointer[i] }            // σ instead of σ(1 − σ)
            }
        }
        expectFailure(result, mentioning: ["∂/∂x of Σ w·sigmoid(x)", "index 0: expected 0.0451767, got 0.0474259"])
    }

    @Test func sigmoidThatAssignsItsGradientFails() {
        let result = Grader.sigmoid { x in
            let y = sigmoidValues(x.value)
            return x.tape.record("sigmoid", inputs: [x], output: y) { dy in
                guard let dx = x.tape.gradientPointer(x) else { return }
                for i in 0..<y.count { dx[i] = dy[i] * y.pointer[i] * (1 - y.pointer[i]) }   // = instead of +=
            }
        }
        expectFailure(result, mentioning: ["∂/∂x of Σ (sigmoid(x) + x) index 0: expected 1.04518, got 0.0451767", "never assign"])
    }

    @Test func softmaxWithoutTheMaximumShiftFails() {
        let result = Grader.stableSoftmax { logits in
            let exps = logits.map { expf($0) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
        expectFailure(result, mentioning: ["stableSoftmax([1001, 1002, 1003]) index 0: expected 0.0900306, got nan",
                                           "subtract the maximum"])
    }

    @Test func attentionWithoutTheSquareRootScaleFails() {
        let result = Grader.attentionHead { query, key, value in
            try query.map { q in
                let weights = try ExerciseSolutions.stableSoftmax(key.map { k in zip(q, k).reduce(0) { $0 + $1.0 * $1.1 } })
                return (0..<value[0].count).map { c in zip(weights, value).reduce(0) { $0 + $1.0 * $1.1[c] } }
            }
        }
        expectFailure(result, mentioning: ["attentionHead, 3 queries, 3 keys, d = 4: output [0, ", "WITHOUT the 1/√d scale"])
    }

    @Test func causalMaskThatHidesTheDiagonalFails() {
        let result = Grader.causalMask { scores in
            scores.enumerated().map { i, row in row.enumerated().map { j, s in j >= i ? -Float.infinity : s } }
        }
        expectFailure(result, mentioning: ["causalMask of 1×1 scores [0, 0]: expected 0, got -inf", "the diagonal included"])
    }

    @Test func headsTakenByStrideFail() {
        // Channel c goes to head c % nh: a real reshape bug (view(T, hs, nh) instead of (T, nh, hs)).
        let result = Grader.splitHeads { x, heads in
            (0..<heads).map { h in x.map { row in stride(from: h, to: row.count, by: heads).map { row[$0] } } }
        }
        expectFailure(result, mentioning: ["splitHeads([3][6], heads: 2), head 0 (x[t][c] = 100t + c) [0, 1]: expected 1, got 2",
                                           "CONTIGUOUS"])
    }

    @Test func layerNormBackwardWithoutTheMeanTermFails() {
        let result = Grader.layerNormBackward { x, weight, dy, epsilon in
            let n = Float(x.count), mean = x.reduce(0, +) / n
            let rstd = 1 / ((x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n + epsilon).squareRoot())
            let xHat = x.map { ($0 - mean) * rstd }, g = zip(dy, weight).map { $0 * $1 }
            let meanGX = zip(g, xHat).reduce(0) { $0 + $1.0 * $1.1 } / n
            return x.indices.map { rstd * (g[$0] - xHat[$0] * meanGX) }                       // no − mean(g)
        }
        expectFailure(result, mentioning: ["layerNormBackward dx (constant dy = 1, weight = 1) index 0: expected -2.37978e-08, got 0.458071",
                                           "keep the −mean(g) term"])
    }

    @Test func parameterCountWithAnUntiedHeadFails() {
        let result = Grader.gptParameterCount { v, t, c, l in
            try ExerciseSolutions.gptParameterCount(vocabularySize: v, contextLength: t, channels: c, layers: l) + v * c
        }
        expectFailure(result, mentioning: ["gptParameterCount(vocabularySize: 65, contextLength: 64, channels: 128, layers: 4): expected 809856, got 818176",
                                           "tied to wte"])
    }

    @Test func parameterCountWithoutBiasesFails() {
        let result = Grader.gptParameterCount { v, t, c, l in
            v * c + t * c + l * (4 * c + 12 * c * c) + 2 * c                                  // forgets the 9C linear biases
        }
        expectFailure(result, mentioning: ["expected 809856, got 805248"])
    }

    @Test func adamWithoutBiasCorrectionFails() {
        let result = Grader.adamWStep { theta, g, m, v, step, lr, beta1, beta2, epsilon, decay in
            var theta = theta, m = m, v = v
            for i in theta.indices {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                theta[i] -= lr * decay * theta[i] + lr * m[i] / (v[i].squareRoot() + epsilon)
            }
            return (theta, m, v)
        }
        expectFailure(result, mentioning: ["adamWStep at step 1 (lr 0.1, β₁ 0.9, β₂ 0.999, weight decay 0.1): parameters index 0: expected 0.89, got 0.67377",
                                           "bias-correct"])
    }

    @Test func adamWithWeightDecayInTheGradientFails() {
        // Adam + L2 (decay added to g) is not AdamW: the decay then leaks into m and v.
        let result = Grader.adamWStep { theta, g, m, v, step, lr, beta1, beta2, epsilon, decay in
            let coupled = zip(g, theta).map { $0 + decay * $1 }
            return try ExerciseSolutions.adamWStep(parameters: theta, gradients: coupled, firstMoment: m, secondMoment: v,
                                                   step: step, learningRate: lr, beta1: beta1, beta2: beta2,
                                                   epsilon: epsilon, weightDecay: 0)
        }
        expectFailure(result, mentioning: ["first moment m index 0: expected 0.05, got 0.06", "weight decay never enters m"])
    }

    @Test func warmupOffByOneFails() {
        let result = Grader.learningRate { step, maxRate, minRate, warmup, decay in
            step < warmup ? maxRate * Float(step) / Float(warmup)
                : try ExerciseSolutions.learningRate(step: step, maxRate: maxRate, minRate: minRate,
                                                     warmupSteps: warmup, decaySteps: decay)
        }
        expectFailure(result, mentioning: ["learningRate(step: 0, maxRate: 1e-3, minRate: 1e-4, warmupSteps: 10, decaySteps: 110): expected 9.09091e-05, got 0",
                                           "step 0 already moves"])
    }

    @Test func clippingEachTensorOnItsOwnFails() {
        let result = Grader.clipGradientNorm { gradients, maxNorm in
            var total: Float = 0
            let clipped = gradients.map { tensor -> [Float] in
                let norm = tensor.reduce(0) { $0 + $1 * $1 }.squareRoot()
                total += norm * norm
                return norm > maxNorm ? tensor.map { $0 * maxNorm / norm } : tensor
            }
            return (clipped, total.squareRoot())
        }
        expectFailure(result, mentioning: ["clipGradientNorm([[3.0, 4.0], [0.0, 0.0, 12.0]], maxNorm: 1.0): gradients [0, 0]: expected 0.230769, got 0.6",
                                           "one common scale"])
    }

    @Test func topPThatKeepsOneTokenTooFewFails() {
        // Stops BEFORE the token that crosses p (keeps only while the mass stays ≤ p).
        let result = Grader.topP { probabilities, p in
            let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
            var kept = [Float](repeating: 0, count: probabilities.count), mass: Float = 0
            for (rank, i) in order.enumerated() {
                if rank > 0 && mass + probabilities[i] > p { break }
                kept[i] = probabilities[i]
                mass += probabilities[i]
            }
            return kept.map { $0 / mass }
        }
        expectFailure(result, mentioning: ["topP([0.5, 0.3, 0.2], p: 0.6) index 0: expected 0.625, got 1", "INCLUDING the token that crosses p"])
    }

    @Test func temperatureThatMultipliesFails() {
        let result = Grader.temperature { logits, temperature in try ExerciseSolutions.stableSoftmax(logits.map { $0 * temperature }) }
        expectFailure(result, mentioning: ["probabilities(logits: [1.0, 2.0, 3.0], temperature: 0.5) index 0: expected 0.0158762, got 0.186324",
                                           "DIVIDE the logits"])
    }

    @Test func kvAppendAlongTheWrongAxisFails() {
        // Concatenates the flat storage: right for batch 1, wrong as soon as B > 1.
        let result = Grader.appendToCache { cache, new in
            Tensor(shape: [cache.shape[0], cache.shape[1] + new.shape[1], cache.shape[2]], scalars: cache.scalars + new.scalars)
        }
        expectFailure(result, mentioning: ["appendToCache(cache [2, 3, 4], new [2, 1, 4]) (entry = 1000·b + 10·t + c/10), flat index 12: expected 30, got 1000",
                                           "append along TIME"])
    }

    @Test func quantizationThatTruncatesFails() {
        let result = Grader.quantizeInt8 { row in
            let largest = row.reduce(0) { Swift.max($0, abs($1)) }
            let scale = largest > 0 ? largest / 127 : 1
            return (scale, row.map { Int8($0 / scale) })                                       // truncates toward zero
        }
        expectFailure(result, mentioning: ["values index", "NEAREST integer"])
    }
}

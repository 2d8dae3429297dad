// Sampling: KV cache equals recomputation, greedy decoding, the filters.

import Foundation
import Testing
import Tapestry
@testable import TapestryGPT

@Suite struct SamplingTests {
    @Test func kvCacheGivesIdenticalTokens() {
        // 40 new tokens with block_size 16: the window fills and slides, exercising the rebuild.
        let model = GPT(config: GPTConfig(blockSize: 16, vocabSize: 20, nLayer: 2, nHead: 2, nEmbd: 32), seed: 4)
        let options = SamplingOptions(temperature: 1, topK: nil)
        let cached = TextGenerator(model: model, options: options, useCache: true)
            .generate(prompt: [1, 2, 3], count: 40, seed: 11)
        let uncached = TextGenerator(model: model, options: options, useCache: false)
            .generate(prompt: [1, 2, 3], count: 40, seed: 11)
        #expect(cached == uncached)
        #expect(cached.count == 40)
    }

    @Test func temperatureZeroIsGreedy() {
        let model = GPT(config: GPTConfig(blockSize: 16, vocabSize: 20, nLayer: 1, nHead: 2, nEmbd: 16), seed: 4)
        var chosen: [Int] = []
        var argmaxes: [Int] = []
        _ = TextGenerator(model: model, options: SamplingOptions(temperature: 0))
            .generate(prompt: [5], count: 10, seed: 1) { logits, token in
                chosen.append(token)
                argmaxes.append(logits.indices.max { logits[$0] < logits[$1] }!)
            }
        #expect(chosen == argmaxes)
    }

    @Test func filtersKeepTheRightTokens() {
        let p: [Float] = [0.1, 0.4, 0.2, 0.3]
        let top2 = Sampling.topK(p, k: 2)
        #expect(top2[0] == 0 && top2[2] == 0)
        #expect(abs(top2[1] - 0.4 / 0.7) < 1e-6 && abs(top2[3] - 0.3 / 0.7) < 1e-6)
        // top-p 0.6: 0.4 then 0.3 reaches 0.7 ≥ 0.6, so two tokens survive.
        let nucleus = Sampling.topP(p, p: 0.6)
        #expect(nucleus.filter { $0 > 0 }.count == 2)
        #expect(abs(nucleus[1] - 0.4 / 0.7) < 1e-6)
        // top-p 0.4 keeps exactly the top token.
        #expect(Sampling.topP(p, p: 0.4) == [0, 1, 0, 0])
        let soft = Sampling.probabilities(logits: [0, 0, Float(log(3.0))], temperature: 1)
        #expect(abs(soft[2] - 0.6) < 1e-6)
    }
}

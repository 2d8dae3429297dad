// `train --profile`: the per-op FLOPs of a tiny GPT step against the count done by hand, and
// the printed table's shares adding up to the whole step.

import Foundation
import Testing
import Tapestry
@testable import TapestryGPT

@Suite(.serialized) struct TrainingProfileTests {
    @Test func flopsOfATinyStepEqualTheHandCount() throws {
        let config = tinyTrainConfig()       // block 16, batch 4, 2 layers, 2 heads, 32 embd
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        let profile = try profileTraining(trainer, steps: 2, warmUpSteps: 1, peakGFLOPS: 100)
        let n = Double(config.batchSize * config.model.blockSize), c = 32.0, layers = 2.0
        let v = Double(trainer.data.tokenizer.vocabularySize)
        // Per block: c_attn C→3C, attn.c_proj C→C, c_fc C→4C, mlp.c_proj 4C→C, each with a bias;
        // the head C→V has none (tied to wte). Every input and weight needs a gradient.
        let blockProducts = 2 * n * (c * 3 * c + c * c + c * 4 * c + 4 * c * c)
        let blockBiases = n * (3 * c + c + 4 * c + c)
        let head = 2 * n * c * v
        let linear = try #require(profile.rows.first { $0.op == "linear" })
        #expect(linear.calls == 4 * layers + 1)
        #expect(linear.forwardFLOPs == layers * (blockProducts + blockBiases) + head)
        #expect(linear.backwardFLOPs == layers * (2 * blockProducts + blockBiases) + 2 * head)
        // Causal attention: T(T+1)/2 = 136 (query, key) pairs per sequence, two products forward.
        let attention = try #require(profile.rows.first { $0.op == "scaledDotProductAttention" })
        let product = 2 * Double(config.batchSize) * 136 * c
        #expect(attention.calls == layers)
        #expect(attention.forwardFLOPs == layers * 2 * product)
        #expect(attention.backwardFLOPs == layers * 4 * product)
        #expect(profile.rows.first { $0.op == "sliced" }?.forwardFLOPs == nil)
        // The linears are nearly all of it, so the total is close to nanoGPT's 6N + 12·L·H·Q·T
        // (which counts the full T×T attention and 6 FLOPs per LayerNorm weight).
        #expect(abs(profile.countedFLOPs / profile.estimatedFLOPs - 1) < 0.1,
                "counted \(profile.countedFLOPs), estimated \(profile.estimatedFLOPs)")
        #expect(profile.modelFLOPsUtilization > 0 && profile.modelFLOPsUtilization < 1)
    }

    @Test func theTablesSharesAddUpToTheStep() throws {
        let config = tinyTrainConfig()
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        let profile = try profileTraining(trainer, steps: 2, warmUpSteps: 1, peakGFLOPS: 100)
        #expect(profile.restSeconds >= 0, "the ops cannot take longer than the steps around them")
        let lines = profile.lines
        let header = try #require(lines.firstIndex { $0.hasPrefix("op ") })
        let total = try #require(lines.firstIndex { $0.hasPrefix("step ") && !$0.hasPrefix("step rest") })
        let body = lines[(header + 1)..<total]
        #expect(body.count == profile.rows.count + 1)          // each op, then "step rest"
        let shares = body.map { line in Double(line.split(separator: " ").first { $0.hasSuffix("%") }!.dropLast())! }
        // Each share is rounded to 0.1%.
        let sum: Double = shares.reduce(0, +)
        let rounding: Double = 0.05 * Double(shares.count) + 1e-9
        #expect(abs(sum - 100) <= rounding, "\(shares)")
        #expect(lines[total].contains("100.0%"))
        #expect(lines.contains { $0.hasPrefix("MFU ") })
    }
}

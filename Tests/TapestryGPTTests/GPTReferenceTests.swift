// The llm.c-style reference test: a tiny GPT with weights, a batch and expected outputs made
// by PyTorch (Fixtures/make_gpt_reference.py). Tapestry must reproduce the logits, the loss,
// every parameter's gradient, and the losses of 5 AdamW steps. Max differences are printed.

import Foundation
import Testing
import Tapestry
import TapestryNN
@testable import TapestryGPT

@Suite struct GPTReferenceTests {
    struct Fixture {
        let tensors: [String: Tensor]
        let model: GPT
        let idx: [Int]
        let targets: [Int]
        let batch: Int
        let time: Int
    }

    static func loadFixture() throws -> Fixture {
        let url = Bundle.module.url(forResource: "gpt_reference", withExtension: "safetensors", subdirectory: "Fixtures")!
        let file = try readSafeTensors(url.path)
        let m = file.metadata
        let config = GPTConfig(blockSize: Int(m["block_size"]!)!, vocabSize: Int(m["vocab_size"]!)!,
                               nLayer: Int(m["n_layer"]!)!, nHead: Int(m["n_head"]!)!, nEmbd: Int(m["n_embd"]!)!)
        let model = GPT(config: config, seed: 0)
        try ModelCheckpoint.loadWeights(into: model, from: file.tensors, path: url.path)
        return Fixture(tensors: file.tensors, model: model,
                       idx: file.tensors["idx"]!.scalars.map { Int($0) },
                       targets: file.tensors["targets"]!.scalars.map { Int($0) },
                       batch: Int(m["batch"]!)!, time: Int(m["time"]!)!)
    }

    @Test func logitsLossAndEveryGradientMatchPyTorch() throws {
        let f = try Self.loadFixture()
        let tape = Tape()
        var context = ForwardContext.evaluation
        let out = f.model(f.idx, batch: f.batch, time: f.time, targets: f.targets, tape: tape, context: &context)
        let logitsDiff = maxDifference(out.logits.value, f.tensors["logits"]!)
        let lossDiff = abs(out.loss!.value.item - f.tensors["loss"]!.item)
        print("reference: logits max diff \(logitsDiff), loss diff \(lossDiff)")
        #expect(logitsDiff < 1e-4)
        #expect(lossDiff < 1e-5)
        tape.backward(out.loss!)
        for p in f.model.parameters {
            let expected = f.tensors["grad.\(p.name)"]!
            let diff = maxDifference(p.grad, expected)
            let scale = expected.scalars.map { abs($0) }.max() ?? 1
            print("reference: grad \(p.name) max diff \(diff) (max |grad| \(scale))")
            #expect(diff <= 1e-5 + 1e-3 * scale, "gradient of \(p.name) differs by \(diff)")
        }
    }

    @Test func fiveAdamWStepsMatchPyTorch() throws {
        let f = try Self.loadFixture()
        let optimizer = AdamW(parameters: f.model.parameters, learningRate: 1e-2, beta1: 0.9, beta2: 0.99,
                              epsilon: 1e-8, weightDecay: 0.1)
        let expected = f.tensors["adamw_losses"]!.scalars
        let tape = Tape()
        for step in 0..<5 {
            var context = ForwardContext.evaluation
            let loss = f.model(f.idx, batch: f.batch, time: f.time, targets: f.targets, tape: tape, context: &context).loss!
            print("reference: AdamW step \(step) loss \(loss.value.item) expected \(expected[step])")
            #expect(abs(loss.value.item - expected[step]) < 1e-4)
            tape.backward(loss)
            tape.reset()
            _ = clipGradientNorm(f.model.parameters, maxNorm: 1)
            optimizer.step(learningRate: 1e-2)
            optimizer.zeroGrad()
        }
    }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        #expect(a.count == b.count)
        var worst: Float = 0
        for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[flat: i] - b[flat: i])) }
        return worst
    }
}

// The GPT's structure: nanoGPT's parameter names and shapes, initialization, counts.

import Testing
import Tapestry
@testable import TapestryGPT

@Suite struct GPTModelTests {
    let config = GPTConfig(blockSize: 64, vocabSize: 65, nLayer: 4, nHead: 4, nEmbd: 128)

    @Test func parameterNamesAndShapesAreNanoGPTs() {
        let model = GPT(config: config, seed: 1)
        let shapes = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value.shape) })
        #expect(shapes.count == 2 + 12 * 4 + 2)
        #expect(shapes["transformer.wte.weight"] == [65, 128])
        #expect(shapes["transformer.wpe.weight"] == [64, 128])
        for i in 0..<4 {
            let h = "transformer.h.\(i)"
            #expect(shapes["\(h).ln_1.weight"] == [128])
            #expect(shapes["\(h).ln_1.bias"] == [128])
            #expect(shapes["\(h).attn.c_attn.weight"] == [384, 128])
            #expect(shapes["\(h).attn.c_attn.bias"] == [384])
            #expect(shapes["\(h).attn.c_proj.weight"] == [128, 128])
            #expect(shapes["\(h).attn.c_proj.bias"] == [128])
            #expect(shapes["\(h).ln_2.weight"] == [128])
            #expect(shapes["\(h).ln_2.bias"] == [128])
            #expect(shapes["\(h).mlp.c_fc.weight"] == [512, 128])
            #expect(shapes["\(h).mlp.c_fc.bias"] == [512])
            #expect(shapes["\(h).mlp.c_proj.weight"] == [128, 512])
            #expect(shapes["\(h).mlp.c_proj.bias"] == [128])
        }
        #expect(shapes["transformer.ln_f.weight"] == [128])
        #expect(shapes["transformer.ln_f.bias"] == [128])
    }

    @Test func parameterCountMatchesTheFormula() {
        // Per block: 2 LayerNorms (4C) + c_attn (3C² + 3C) + c_proj (C² + C) + c_fc (4C² + 4C) + c_proj (4C² + C).
        let c = 128, v = 65, t = 64, l = 4
        let perBlock = 4 * c + (3 * c * c + 3 * c) + (c * c + c) + (4 * c * c + 4 * c) + (4 * c * c + c)
        let expected = v * c + t * c + l * perBlock + 2 * c
        let model = GPT(config: config, seed: 1)
        #expect(model.parameterCount == expected)
        #expect(model.nonEmbeddingParameterCount == expected - t * c)
    }

    @Test func initializationFollowsNanoGPT() {
        let model = GPT(config: config, seed: 3)
        func std(_ t: Tensor) -> Double {
            let xs = t.scalars.map(Double.init)
            let mean = xs.reduce(0, +) / Double(xs.count)
            return (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)).squareRoot()
        }
        let named = model.namedParameters
        #expect(abs(std(named["transformer.wte.weight"]!.value) - 0.02) < 0.002)
        #expect(abs(std(named["transformer.h.0.attn.c_attn.weight"]!.value) - 0.02) < 0.002)
        let projStd = 0.02 / (2.0 * 4).squareRoot()
        #expect(abs(std(named["transformer.h.0.mlp.c_proj.weight"]!.value) - projStd) < 0.001)
        #expect(named["transformer.h.0.attn.c_attn.bias"]!.value.scalars.allSatisfy { $0 == 0 })
        #expect(named["transformer.h.1.ln_2.weight"]!.value.scalars.allSatisfy { $0 == 1 })
    }

    @Test func initialLossIsCloseToLnV() {
        let model = GPT(config: config, seed: 5)
        var generator = RandomGenerator(seed: 9)
        let ids = (0..<(4 * 64)).map { _ in generator.nextInt(below: 65) }
        let targets = (0..<(4 * 64)).map { _ in generator.nextInt(below: 65) }
        let tape = Tape()
        var context = ForwardContext.evaluation
        let loss = model(ids, batch: 4, time: 64, targets: targets, tape: tape, context: &context).loss!.value.item
        #expect(abs(Double(loss) - 4.1744) < 0.05)   // ln 65 = 4.1744
    }

    @Test func configProblemsAreOneLine() {
        var bad = config
        bad.nHead = 3
        #expect(bad.problem == "n_embd 128 is not divisible by n_head 3")
    }
}

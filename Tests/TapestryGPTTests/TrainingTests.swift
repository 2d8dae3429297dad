// Training behaviour on a tiny config: determinism, exact resume, overfitting one batch.

import Foundation
import Testing
import Tapestry
import TapestryTestSupport
@testable import TapestryGPT

/// A tiny, fast configuration on the default corpus, writing into a fresh temporary folder.
func tinyTrainConfig(maxIters: Int = 8, out: String = temporaryDirectory()) -> TrainConfig {
    var config = TrainConfig()
    config.model = GPTConfig(blockSize: 16, vocabSize: 0, nLayer: 2, nHead: 2, nEmbd: 32)
    config.batchSize = 4
    config.maxIters = maxIters
    config.evalInterval = 4
    config.evalIters = 2
    config.logInterval = 2
    config.warmupIters = 2
    config.lrDecayIters = 40
    config.sampleLength = 16
    config.out = out
    return config
}

func temporaryDirectory() -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

@Suite(.serialized) struct TrainingTests {
    @Test func sameSeedGivesBitIdenticalLosses() throws {
        func losses() throws -> [Float] {
            let config = tinyTrainConfig()
            let trainer = Trainer(config: config, data: try TrainingData.load(config))
            return try (0..<6).map { _ in try trainer.step().loss }
        }
        let first = try losses(), second = try losses()
        #expect(first == second)
        #expect(first.last! < first.first!)
    }

    @Test func oneAndTwoThreadsGiveBitIdenticalLossesAndWeights() throws {
        // Big enough that every threaded path forks: GEMMs (both splits), the same-shape add of
        // the residuals, bias add and bias gradient (256 rows x 128 = 2^15), LayerNorm, GELU,
        // attention and AdamW's per-thread parts.
        func run(threads: Int) throws -> (losses: [Float], norms: [Float], weights: [[Float]]) {
            try withThreadCount(threads) {
                var config = tinyTrainConfig()
                config.model = GPTConfig(blockSize: 32, vocabSize: 0, nLayer: 1, nHead: 4, nEmbd: 128)
                config.batchSize = 8
                let trainer = Trainer(config: config, data: try TrainingData.load(config))
                let steps = try (0..<3).map { _ in try trainer.step() }
                return (steps.map(\.loss), steps.map(\.gradientNorm), trainer.model.parameters.map(\.value.scalars))
            }
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        #expect(one.losses == two.losses)
        #expect(one.norms == two.norms)
        let differing = zip(one.weights, two.weights).filter { $0 != $1 }.count   // (not the 100k values)
        #expect(differing == 0, "\(differing) parameters differ between 1 and 2 threads")
        #expect(one.losses.last! < one.losses.first!)
    }

    @Test func gradientAccumulationOfOneBatchTwiceEqualsThatBatch() throws {
        // With --overfit-batch, accumulating the same batch twice must give the same mean loss
        // as one pass (the gradient is averaged over micro-batches, not summed).
        var config = tinyTrainConfig()
        config.overfitBatch = true
        let single = Trainer(config: config, data: try TrainingData.load(config))
        config.gradAccum = 2
        let doubled = Trainer(config: config, data: try TrainingData.load(config))
        let a = try (0..<3).map { _ in try single.step().loss }
        let b = try (0..<3).map { _ in try doubled.step().loss }
        for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-5) }
    }

    /// Also with --overfit-batch: the resumed run must find the same one batch.
    @Test(arguments: [false, true]) func resumeIsBitIdenticalToAnUninterruptedRun(overfitBatch: Bool) throws {
        let k = 6
        var straight = tinyTrainConfig(maxIters: 2 * k)
        straight.overfitBatch = overfitBatch
        let whole = try withThreadCount(1) { try runTraining(straight) { _ in } }

        var first = tinyTrainConfig(maxIters: k)
        first.overfitBatch = overfitBatch
        _ = try withThreadCount(1) { try runTraining(first) { _ in } }
        first.maxIters = 2 * k
        first.resume = true
        let resumed = try withThreadCount(1) { try runTraining(first) { _ in } }

        #expect(whole.finalValLoss == resumed.finalValLoss)
        #expect(whole.finalTrainLoss == resumed.finalTrainLoss)
        let a = try readSafeTensors(straight.out + "/model.safetensors").tensors
        let b = try readSafeTensors(first.out + "/model.safetensors").tensors
        #expect(a.keys.sorted() == b.keys.sorted())
        for name in a.keys { #expect(a[name]! == b[name]!, "weights differ: \(name)") }
    }

    @Test func overfittingOneBatchDrivesTheLossTowardZero() throws {
        var config = tinyTrainConfig(maxIters: 150)
        config.overfitBatch = true
        config.learningRate = 1e-2
        config.minLearningRate = 1e-2
        config.warmupIters = 5
        config.model.nEmbd = 64
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        var loss: Float = .infinity
        for _ in 0..<config.maxIters { loss = try trainer.step().loss }
        #expect(loss < 0.1, "loss after overfitting one batch: \(loss)")
    }

    @Test func aRunWritesEveryFile() throws {
        let config = tinyTrainConfig(maxIters: 4)
        var lines: [String] = []
        let summary = try withThreadCount(1) { try runTraining(config) { lines.append($0) } }
        for name in ["model.safetensors", "train-state.safetensors", "attention.safetensors",
                     "loss.csv", "loss.svg", "summary.json"] {
            #expect(FileManager.default.fileExists(atPath: config.out + "/" + name), "missing \(name)")
        }
        #expect(lines.contains { $0.hasPrefix("expected initial loss ln(") })
        #expect(lines.contains { $0.hasPrefix("step 0: train loss") })
        #expect(lines.contains { $0.hasPrefix("iter 2: loss") && $0.contains("tok/s") && $0.contains("ETA") })
        #expect(summary.iterations == 4)
        let csv = try String(contentsOfFile: config.out + "/loss.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 2)     // header, step 0, step 4
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config.out + "/summary.json")))
        #expect((json as? [String: Any])?["finalValLoss"] != nil)
    }

    @Test func nonFiniteLossStopsWithTheStepAndTensor() throws {
        var config = tinyTrainConfig(maxIters: 30)
        config.learningRate = 1e6
        config.warmupIters = 0
        config.gradClip = 0
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        #expect {
            for _ in 0..<30 { _ = try trainer.step() }
        } throws: { error in
            "\(error)".contains("training diverged at step") && "\(error)".contains("first non-finite tensor: ")
        }
    }
}

@Suite struct GPTOnBPETokensTests {
    @Test func aBPERunStoresItsTokenizerAndReportsBitsPerByte() throws {
        var config = tinyTrainConfig(maxIters: 2)
        config.tokenizer = "bpe"
        config.vocabSize = 300
        var lines: [String] = []
        let summary = try withThreadCount(1) { try runTraining(config) { lines.append($0) } }
        #expect(lines.contains { $0.hasPrefix("vocab size: 300 (bpe)") })
        #expect(lines.contains { $0.contains("bits/byte") })
        // bits per byte = nats/token × tokens / (ln 2 × bytes); BPE tokens hold > 1 byte each.
        #expect(summary.valBitsPerByte > 0 && summary.valBitsPerByte < Double(summary.finalValLoss) / 0.6931)
        let loaded = try ModelCheckpoint.load(path: config.out + "/model.safetensors")
        #expect(loaded.tokenizer.kind == .bpe)
        #expect(loaded.tokenizer.vocabularySize == 300)
        let ids = try loaded.tokenizer.encode("To be, or not to be")
        #expect(loaded.tokenizer.decode(ids) == "To be, or not to be")
    }
}

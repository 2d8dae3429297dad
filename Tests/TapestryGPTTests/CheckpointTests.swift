// Checkpoints, train state and attention dumps: round trips and format checks.

import Foundation
import Testing
import Tapestry
import TapestryTestSupport
@testable import TapestryGPT

@Suite struct CheckpointTests {
    @Test func modelCheckpointRoundTrip() throws {
        let config = tinyTrainConfig()
        let data = try TrainingData.load(config)
        let trainer = Trainer(config: config, data: data)
        _ = try trainer.step()
        let path = config.out + "/model.safetensors"
        try ModelCheckpoint.save(trainer.model, tokenizer: data.tokenizer, iteration: 1, valLoss: 3.5, to: path)
        let loaded = try ModelCheckpoint.load(path: path)
        #expect(loaded.model.config == trainer.model.config)
        #expect(loaded.iteration == 1)
        for (a, b) in zip(trainer.model.parameters, loaded.model.parameters) {
            #expect(a.name == b.name)
            #expect(a.value == b.value)
        }
        #expect(try loaded.tokenizer.encode("ROMEO:") == data.tokenizer.encode("ROMEO:"))
        #expect(loaded.metadata["n_head"] == "2")
        #expect(loaded.metadata["format"] == "tapestry-gpt")
    }

    @Test func trainStateIsNotAModelCheckpoint() throws {
        let config = tinyTrainConfig(maxIters: 1)
        _ = try withThreadCount(1) { try runTraining(config) { _ in } }
        #expect {
            _ = try ModelCheckpoint.load(path: config.out + "/train-state.safetensors")
        } throws: { "\($0)".contains("this is a train state") }
    }

    @Test func attentionDumpRowsSumToOneAndAreCausal() throws {
        let config = tinyTrainConfig(maxIters: 1)
        _ = try withThreadCount(1) { try runTraining(config) { _ in } }
        let dump = try AttentionDump.read(path: config.out + "/attention.safetensors")
        #expect(dump.layers.count == 2)
        #expect(dump.tokens.count == 16)
        for layer in dump.layers {
            #expect(layer.shape == [2, 16, 16])
            for h in 0..<2 {
                for i in 0..<16 {
                    var sum: Float = 0
                    for j in 0..<16 {
                        sum += layer[h, i, j]
                        if j > i { #expect(layer[h, i, j] == 0) }
                    }
                    #expect(abs(sum - 1) < 1e-5)
                }
            }
        }
    }
}

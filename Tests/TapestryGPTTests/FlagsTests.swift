// The train and sample command lines: every flag, both spellings, one-line errors.

import Testing
@testable import TapestryGPT

@Suite struct FlagsTests {
    @Test func defaultsAreNanoGPTsCPUConfig() throws {
        let config = try #require(try TrainConfig.parse([]))
        #expect(config.model.blockSize == 64 && config.batchSize == 12)
        #expect(config.model.nLayer == 4 && config.model.nHead == 4 && config.model.nEmbd == 128)
        #expect(config.maxIters == 2000 && config.learningRate == 1e-3 && config.minLearningRate == 1e-4)
        #expect(config.warmupIters == 100 && config.model.dropout == 0)
        #expect(config.evalInterval == 250 && config.evalIters == 20 && config.seed == 1337)
    }

    @Test func bothSpellingsSetTheField() throws {
        let config = try #require(try TrainConfig.parse(["--max-iters=5", "--lr", "0.01", "--n-embd", "64", "--resume"]))
        #expect(config.maxIters == 5 && config.learningRate == 0.01 && config.model.nEmbd == 64 && config.resume)
    }

    @Test func helpListsEveryFlag() throws {
        #expect(try TrainConfig.parse(["--help"]) == nil)
        for flag in TrainConfig.flags { #expect(TrainConfig.help.contains("--\(flag.name)")) }
        #expect(TrainConfig.help.contains("[2000]"))
    }

    @Test(arguments: [
        (["--bogus"], "unknown flag --bogus (see --help)"),
        (["--max-iters"], "--max-iters: missing value"),
        (["--lr", "fast"], "--lr: expected a number, got 'fast'"),
        (["--batch-size", "0"], "--batch-size: must be at least 1, got 0"),
        (["--n-head", "3"], "--n-embd 128 must be divisible by --n-head 3 (head size = n_embd / n_head)"),
        (["--dropout", "1.5"], "--dropout: expected a number in [0, 1), got 1.5"),
    ])
    func mistakesAreOneLine(arguments: [String], message: String) {
        #expect { _ = try TrainConfig.parse(arguments) } throws: { "\($0)" == message }
    }

    @Test func sampleRejectsBadTopPAndTemperature() {
        #expect(throws: UsageError.self) { _ = try SampleConfig.parse(["--top-p", "0"]) }
        #expect(throws: UsageError.self) { _ = try SampleConfig.parse(["--top-p", "1.5"]) }
        #expect(throws: UsageError.self) { _ = try SampleConfig.parse(["--temperature", "-1"]) }
    }
}

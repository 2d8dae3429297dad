// SampleConfig: the command line of `swift run sample`.
// Lesson: notebooks-md/10-sampling.md

/// Options of the `sample` program.
public struct SampleConfig: Sendable {
    public var checkpoint = "out/model.safetensors"
    public var prompt = "\n"
    public var maxNewTokens = 500
    public var temperature: Float = 0.8
    public var topK = 200
    public var topP: Float = 1
    public var seed: UInt64 = 1
    public var noKVCache = false
    public var blockSize = 0

    public init() {}

    public static var flags: [Flag<SampleConfig>] {
        [
            .string("checkpoint", \.checkpoint, "model checkpoint to sample from"),
            .string("prompt", \.prompt, "text to continue"),
            .int("max-new-tokens", \.maxNewTokens, "tokens to generate", minimum: 0),
            .float("temperature", \.temperature, "0 = greedy; higher = more random"),
            .int("top-k", \.topK, "keep the k most likely tokens (0 = all)", minimum: 0),
            .float("top-p", \.topP, "nucleus sampling mass", expectation: "a number in (0, 1]",
                   valid: { $0 > 0 && $0 <= 1 }),
            .uint64("seed", \.seed, "random seed"),
            .switch("no-kv-cache", \.noKVCache, "recompute the whole context each step (same tokens, slower)"),
            .int("block-size", \.blockSize, "context length (0 = the checkpoint's)", minimum: 0),
        ]
    }

    public static func parse(_ arguments: [String]) throws -> SampleConfig? {
        var config = SampleConfig()
        return try parseFlags(arguments, flags: flags, into: &config)
    }

    public static var help: String {
        usage(program: "swift run sample", summary: "Generates text from a trained checkpoint.",
              flags: flags, defaults: SampleConfig())
    }

    /// The sampling options these flags describe.
    public var samplingOptions: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK == 0 ? nil : topK, topP: topP)
    }
}

import Tapestry

/// Loads the checkpoint, encodes the prompt, and generates. Returns prompt + continuation.
public func runSampling(_ config: SampleConfig, onText: (String) -> Void) throws {
    let loaded = try ModelCheckpoint.load(path: config.checkpoint)
    if config.blockSize > loaded.model.config.blockSize {
        throw TrainError("--block-size \(config.blockSize) is larger than the checkpoint's block_size \(loaded.model.config.blockSize)", exitCode: 2)
    }
    let prompt: [Int]
    do { prompt = try loaded.tokenizer.encode(config.prompt) }
    catch { throw TrainError("--prompt: \(error)", exitCode: 2) }
    guard !prompt.isEmpty else { throw TrainError("--prompt: the prompt is empty; give at least one character", exitCode: 2) }
    let generator = TextGenerator(model: loaded.model, options: config.samplingOptions, useCache: !config.noKVCache)
    onText(config.prompt)
    let tokens = generator.generate(prompt: prompt, count: config.maxNewTokens, seed: config.seed)
    onText(loaded.tokenizer.decode(tokens))
}

// EvaluationRun: what `swift run evaluate` does: the val loss of a checkpoint over the whole
// val split, at the trained or a longer context length.
//
// The val split (last 10% of the corpus, tokenized with the checkpoint's own tokenizer) is cut
// into consecutive, non-overlapping windows of T tokens (`GPT.stridedLoss`, Evaluation.swift);
// each window predicts its next tokens, and the loss is the mean cross-entropy over every
// predicted token. No randomness: the same checkpoint always gives the same number (unlike the
// trainer's sampled estimate).
//
// Why a context length: RoPE and ALiBi (and the sinusoidal formula) are defined past the
// block_size a model was trained with, so `--block-size 2·T` asks "does the model still work
// on sequences twice as long as any it saw?" (the README's extrapolation column). Learned
// positions have no rows past block_size, so they are refused there.
// What it is not: a sliding-window evaluation (every token of a window sees only the tokens
// of its own window, so early tokens of each window have less context).
// Lesson: notebooks-md/12-quantization-context.md

import Foundation
import Tapestry
import TapestryText

/// Options of the `evaluate` program.
public struct EvaluateConfig: Sendable {
    public var checkpoint = "out/model.safetensors"
    public var corpus = "datasets/shakespeare.txt"
    /// Context length T of the windows (0 = the checkpoint's block_size).
    public var blockSize = 0
    /// Windows per forward pass.
    public var batchSize = 32
    /// Evaluate at most this many windows (0 = the whole val split).
    public var maxWindows = 0
    public var threads = 1

    public init() {}

    public static var flags: [Flag<EvaluateConfig>] {
        [
            .string("checkpoint", \.checkpoint, "model checkpoint to evaluate"),
            .string("corpus", \.corpus, "the corpus it was trained on (its last 10% is the val split)"),
            .int("block-size", \.blockSize, "context length of the windows (0 = the checkpoint's)", minimum: 0),
            .int("batch-size", \.batchSize, "windows per forward pass"),
            .int("max-windows", \.maxWindows, "evaluate at most this many windows (0 = all)", minimum: 0),
            .int("threads", \.threads, "kernel threads"),
        ]
    }

    public static func parse(_ arguments: [String]) throws -> EvaluateConfig? {
        var config = EvaluateConfig()
        return try parseFlags(arguments, flags: flags, into: &config)
    }

    public static var help: String {
        usage(program: "swift run evaluate", summary: "Val loss of a checkpoint over the whole val split, at any context length.",
              flags: flags, defaults: EvaluateConfig())
    }
}

/// What `evaluate` measured.
public struct EvaluationResult: Sendable {
    /// Mean cross-entropy in nats per token.
    public let loss: Float
    /// Context length of the windows.
    public let blockSize: Int
    /// Windows evaluated.
    public let windows: Int
    /// Tokens predicted (windows × block size).
    public var tokens: Int { windows * blockSize }
}

/// Loads the checkpoint and the corpus and evaluates; `print` gets the result line.
public func runEvaluation(_ config: EvaluateConfig, print: (String) -> Void) throws -> EvaluationResult {
    Threads.setCount(config.threads)
    let loaded = try ModelCheckpoint.load(path: config.checkpoint)
    let model = loaded.model
    let trained = model.config.blockSize
    let blockSize = config.blockSize == 0 ? trained : config.blockSize
    if blockSize > trained && !model.config.positionalEncoding.isDefinedBeyondBlockSize {
        throw TrainError("--block-size \(blockSize): this checkpoint uses learned positions, which have only "
            + "\(trained) rows (block_size); train with --pos sinusoidal, rope or alibi to evaluate longer contexts",
            exitCode: 2)
    }
    let path = resolveDatasetPath(config.corpus)
    let text: String
    do { text = try Corpus.load(path: path) } catch { throw TrainError("\(error)", exitCode: 2) }
    let ids: [Int]
    do { ids = try loaded.tokenizer.encode(text) } catch { throw TrainError("corpus \(path): \(error)", exitCode: 2) }
    let val = Corpus.split(tokens: ids).val
    guard val.count > blockSize + 1 else {
        throw TrainError("corpus \(path): the val split has \(val.count) tokens, fewer than --block-size \(blockSize) + 2",
                         exitCode: 2)
    }
    let windows = max(0, (val.count - blockSize - 2) / blockSize + 1)     // as stridedLoss counts them
    let evaluated = config.maxWindows > 0 ? min(windows, config.maxWindows) : windows
    let loss = model.stridedLoss(on: val, windows: evaluated, batchSize: config.batchSize, time: blockSize)
    let result = EvaluationResult(loss: Float(loss), blockSize: blockSize, windows: evaluated)
    print("val loss \(fmt(result.loss)) at block size \(blockSize) (trained at \(trained), pos \(model.config.positionalEncoding.rawValue)); "
        + "\(result.windows) windows, \(result.tokens) tokens")
    return result
}

// TrainingData: corpus → tokenizer → token ids → train/val split (first 90% / last 10%).

import Foundation
import TapestryText

/// The tokenized corpus a run trains on.
public struct TrainingData {
    /// Turns text into ids and back; stored in the checkpoint so sampling needs nothing else.
    public let tokenizer: any Tokenizer
    /// First 90% of the tokens.
    public let train: [Int]
    /// Last 10% of the tokens.
    public let val: [Int]
    /// UTF-8 bytes of the val text, for bits per byte.
    public let valBytes: Int
    /// Where the corpus came from (as given).
    public let corpusPath: String

    /// Loads and tokenizes the corpus named by `config` and checks both splits can fill a batch.
    public static func load(_ config: TrainConfig, log: (String) -> Void = { _ in }) throws -> TrainingData {
        let path = resolveDatasetPath(config.corpus)
        let text: String
        do { text = try Corpus.load(path: path) } catch { throw TrainError("corpus \(error)", exitCode: 2) }
        let tokenizer = try makeTokenizer(config, corpus: text, log: log)
        let ids: [Int]
        do { ids = try tokenizer.encode(text) } catch { throw TrainError("corpus \(path): \(error)", exitCode: 2) }
        let (train, val) = Corpus.split(tokens: ids)
        let needed = config.model.blockSize + 1
        if train.count < needed || val.count < needed {
            throw TrainError("corpus \(path): \(ids.count) tokens give train \(train.count) and val \(val.count); "
                + "each split needs at least block_size + 1 = \(needed) tokens (use a longer text or a smaller --block-size)",
                exitCode: 2)
        }
        let valBytes = tokenizer.decode(val).utf8.count
        return TrainingData(tokenizer: tokenizer, train: train, val: val, valBytes: valBytes, corpusPath: path)
    }

    static func makeTokenizer(_ config: TrainConfig, corpus: String, log: (String) -> Void) throws -> any Tokenizer {
        if config.tokenizer == "char" {
            do { return try CharTokenizer(corpus: corpus) } catch { throw TrainError("corpus: \(error)", exitCode: 2) }
        }
        if let file = config.tokenizerFile {
            do { return try TokenizerFile.load(path: file) } catch { throw TrainError("--tokenizer-file: \(error)", exitCode: 2) }
        }
        log("training a byte-level BPE tokenizer with vocab size \(config.vocabSize) ...")
        do {
            return try BPETokenizer.train(text: corpus, vocabularySize: config.vocabSize, progressInterval: 500) { progress in
                log("  bpe: \(progress)")
            }
        } catch { throw TrainError("--vocab-size: \(error)", exitCode: 2) }
    }

    /// Bits per byte of a loss in nats per token on the val split:
    /// (loss · tokens) / (ln 2 · bytes). Makes char-level and BPE-level runs comparable.
    public func bitsPerByte(valLoss: Float) -> Double {
        Double(valLoss) * Double(val.count) / (Foundation.log(2.0) * Double(max(valBytes, 1)))
    }
}

/// Finds a dataset path: as given (relative to the current directory), else relative to the
/// package root (so `swift run train` works from any directory of the checkout).
public func resolveDatasetPath(_ path: String) -> String {
    if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
    // This file is .../Sources/TapestryGPT/Training/TrainingData.swift: up four levels is the root.
    // (#filePath is read here, in the body: as a default argument it would name the caller's file.)
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { root.deleteLastPathComponent() }
    let candidate = root.appendingPathComponent(path).path
    return FileManager.default.fileExists(atPath: candidate) ? candidate : path
}

// ValLoss: the val loss of a model on fixed batches, so two models are compared on the same text.
//
// The val split is the last 10% of the corpus tokens (Corpus.split, as in training); the batches
// are drawn once from a seeded generator and reused for both models.

import Foundation
import Tapestry
import TapestryGPT
import TapestryText

/// `count` val batches of [batchSize, time] drawn with `seed` from the corpus's val split,
/// tokenized with the checkpoint's own tokenizer.
func valBatches(corpus: String, tokenizer: any Tokenizer, count: Int, batchSize: Int, time: Int,
                seed: UInt64) throws -> [Batch] {
    let path = corpusPath(corpus)
    let text: String
    do { text = try Corpus.load(path: path) } catch { throw TrainError("--corpus: \(error)", exitCode: 2) }
    let ids: [Int]
    do { ids = try tokenizer.encode(text) }
    catch { throw TrainError("--corpus \(path): \(error) (is it the text this checkpoint was trained on?)", exitCode: 2) }
    let val = Corpus.split(tokens: ids).val
    guard val.count > time else {
        throw TrainError("--corpus \(path): the val split has \(val.count) tokens; block_size \(time) needs more", exitCode: 2)
    }
    var generator = RandomGenerator(seed: seed)
    return (0..<count).map { _ in Batch.sample(from: val, batchSize: batchSize, time: time, generator: &generator) }
}

/// `path` as given (relative to the current directory), else relative to the package root, so
/// the default `datasets/shakespeare.txt` is found from any directory of the checkout.
func corpusPath(_ path: String) -> String {
    if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
    // This file is Examples/quantize/ValLoss.swift: three levels below the root.
    let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let candidate = root.appendingPathComponent(path).path
    return FileManager.default.fileExists(atPath: candidate) ? candidate : path
}

/// Mean cross-entropy of `model` over `batches`, without recording gradients.
func meanLoss(_ model: GPT, batches: [Batch]) -> Double {
    let tape = Tape()
    var total = 0.0
    for batch in batches {
        var context = ForwardContext.evaluation
        total += Double(tape.withoutGrad {
            model(batch.inputs, batch: batch.batchSize, time: batch.time, targets: batch.targets,
                  tape: tape, context: &context).loss!.value.item
        })
        tape.reset()
    }
    return total / Double(max(batches.count, 1))
}

/// A float in 3 significant digits of scientific notation (weights and errors span many scales).
func format(_ value: Float) -> String { String(format: "%.3e", Double(value)) }

/// `text` padded with spaces to `width` (at least one space after it).
func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
}

// seq2seq: a small transformer encoder–decoder learns to reverse strings, decodes greedily, and
// writes its cross-attention for the attention viewer.
//
//   swift run seq2seq                              600 steps, seed 1, writes out/cross-attention.safetensors
//   swift run seq2seq --steps 200 --seed 7 --out /tmp/s2s --probe abcdefgh
//
// It prints the training loss and the held-out exact-match accuracy as it goes, a few
// translations, and where the attention dump went.
// Errors are one line on stderr, `error: seq2seq: ...`, as in `train`. Exit status: 0 success;
// 2 misuse (a bad flag, an --out that cannot be a directory: checked before training); 1 a file
// that could not be written.

import Foundation
import Tapestry
import TapestryGPT

let flags: [Flag<Options>] = [
    .int("steps", \.steps, "training steps"),
    .int("batch-size", \.batchSize, "strings per step"),
    .float("lr", \.learningRate, "peak learning rate (AdamW)", expectation: "a positive number", valid: { $0 > 0 }),
    .int("warmup-steps", \.warmupSteps, "steps of linear warmup", minimum: 0),
    .int("d-model", \.dModel, "channels d of every position"),
    .int("heads", \.heads, "attention heads (must divide d-model)"),
    .int("layers", \.layers, "encoder layers, and as many decoder layers"),
    .int("min-length", \.minLength, "shortest string (3 or more, so that some strings are held out)", minimum: 3),
    .int("max-length", \.maxLength, "longest string"),
    .int("eval-interval", \.evalInterval, "steps between test accuracy lines"),
    .int("test-size", \.testSize, "held-out test strings"),
    .uint64("seed", \.seed, "seed for the weights and the data"),
    .string("out", \.out, "output directory"),
    .optionalString("probe", \.probe, "letters a..l to translate for the attention dump (default: a test string)"),
]

var options = Options()
let outputDirectory: OutputDirectory
do {
    guard let parsed = try parseFlags(Array(CommandLine.arguments.dropFirst()), flags: flags, into: &options) else {
        print(usage(program: "swift run seq2seq",
                    summary: "Trains a transformer encoder-decoder to reverse strings and dumps its cross-attention.",
                    flags: flags, defaults: Options()))
        exit(0)
    }
    options = parsed
    if options.dModel % options.heads != 0 {
        throw UsageError("--d-model \(options.dModel) is not divisible by --heads \(options.heads)")
    }
    if options.minLength > options.maxLength {
        throw UsageError("--min-length \(options.minLength) is above --max-length \(options.maxLength)")
    }
    if let probe = options.probe {
        guard let tokens = ReversalTask.encode(probe), (options.minLength...options.maxLength).contains(tokens.count) else {
            throw UsageError("--probe must be \(options.minLength)-\(options.maxLength) letters from a..l, got '\(probe)'")
        }
    }
    outputDirectory = try OutputDirectory(checking: options.out, for: "the attention dump")
} catch {
    exitWithError("seq2seq: \(error)", code: 2)
}

let started = Date()
let task = ReversalTask(lengths: options.minLength...options.maxLength)
let (model, correct, total) = Seq2SeqTraining.run(options, task: task) { writeToStandardOutput($0 + "\n") }
writeToStandardOutput(String(format: "final: test exact match %.1f%% (%d/%d held-out)  [%.1f s]\n",
                             100 * Double(correct) / Double(total), correct, total, Date().timeIntervalSince(started)))

// A few translations, then the attention dump for the probe.
var showGenerator = RandomGenerator.derived(seed: options.seed, stream: 0x5A0)
let shown = (0..<3).map {
    task.string(length: max(options.minLength, options.maxLength - $0), split: .test, generator: &showGenerator)
}
for (source, output) in zip(shown, shown.map { model.greedyDecode([$0], start: ReversalTask.start, end: ReversalTask.end)[0] }) {
    let mark = output == Array(source.reversed()) ? "ok" : "WRONG"
    writeToStandardOutput("  \(ReversalTask.decode(source)) -> \(ReversalTask.decode(output))  \(mark)\n")
}
let probe = options.probe.flatMap(ReversalTask.encode) ?? shown[0]
let path = outputDirectory.file("cross-attention.safetensors")
do {
    try outputDirectory.create()
    let produced = try AttentionDump.writeCrossAttention(model: model, source: probe, start: ReversalTask.start,
                                                         end: ReversalTask.end, label: ReversalTask.label,
                                                         iteration: options.steps, to: path)
    writeToStandardOutput("wrote \(path): cross-attention of \(ReversalTask.decode(probe)) -> "
                          + "\(produced.map(ReversalTask.label).joined(separator: " ")) (layer.0..layer.\(options.layers - 1), "
                          + "each [n_head, Tq, S] = [\(options.heads), \(produced.count), \(probe.count)])\n")
} catch {
    exitWithError("seq2seq: \(error)", code: (error as? TrainError)?.exitCode ?? 1)
}

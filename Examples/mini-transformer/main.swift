// mini-transformer: the seed's MiniTransformer (2 post-LN encoder layers, d 128, 8 heads,
// F 256, mean over positions, Linear(128, 1)) learns to tell whether a sequence is sorted.
//
//   swift run mini-transformer                     1500 steps, seed 1, writes out/mini-transformer.safetensors
//   swift run mini-transformer --steps 100 --seed 7 --out /tmp/mini
//
// It prints the training loss and the held-out test accuracy as it goes, then the final
// accuracy by kind of example, and saves the weights under PyTorch's parameter names.
// Errors are one line on stderr, `error: mini-transformer: ...`, as in `train`. Exit status: 0
// success; 2 misuse (a bad flag, an --out that cannot be a directory: checked before training);
// 1 a file that could not be written.

import Foundation
import Tapestry
import TapestryGPT

let flags: [Flag<Options>] = [
    .int("steps", \.steps, "training steps"),
    .int("batch-size", \.batchSize, "sequences per step"),
    .float("lr", \.learningRate, "peak learning rate (AdamW)", expectation: "a positive number", valid: { $0 > 0 }),
    .int("warmup-steps", \.warmupSteps, "steps of linear warmup", minimum: 0),
    .float("dropout", \.dropout, "dropout probability", expectation: "a number in [0, 1)", valid: { $0 >= 0 && $0 < 1 }),
    .int("eval-interval", \.evalInterval, "steps between test accuracy lines"),
    .int("test-size", \.testSize, "held-out test sequences"),
    .uint64("seed", \.seed, "seed for the weights, the data and dropout"),
    .string("out", \.out, "output directory"),
]

var options = Options()
let outputDirectory: OutputDirectory
do {
    guard let parsed = try parseFlags(Array(CommandLine.arguments.dropFirst()), flags: flags, into: &options) else {
        print(usage(program: "swift run mini-transformer",
                    summary: "Trains the seed's MiniTransformer to tell sorted sequences of 10 tokens from unsorted ones.",
                    flags: flags, defaults: Options()))
        exit(0)
    }
    options = parsed
    outputDirectory = try OutputDirectory(checking: options.out, for: "the weights")
} catch {
    exitWithError("mini-transformer: \(error)", code: 2)
}

let started = Date()
let (model, result) = SortednessTraining.run(options) { writeToStandardOutput($0 + "\n") }
let kinds = ExampleKind.allCases.compactMap { kind in
    result.byKind[kind].map { String(format: "%@ %.1f%%", kind.name, 100 * Double($0.correct) / Double(max(1, $0.total))) }
}
writeToStandardOutput(String(format: "final: test accuracy %.1f%% (%d/%d held-out)  ", 100 * result.accuracy,
                             result.correct, result.total) + kinds.joined(separator: "  ")
                      + String(format: "  [%.1f s]\n", Date().timeIntervalSince(started)))

let path = outputDirectory.file("mini-transformer.safetensors")
do {
    try outputDirectory.create()
    let metadata = ["format": "tapestry-mini-transformer", "format_version": "1", "task": "sortedness",
                    "steps": String(options.steps), "seed": String(options.seed),
                    "test_accuracy": String(format: "%.4f", result.accuracy)]
    try writeSafeTensors(model.parameters.map { ($0.name, $0.value) }, metadata: metadata, to: path)
} catch {
    exitWithError("mini-transformer: \(error)", code: (error as? TrainError)?.exitCode ?? 1)
}
writeToStandardOutput("wrote \(path)\n")

// positional-encodings: sinusoidal tables, RoPE's relative-offset property, ALiBi's biases.
//
//     swift run positional-encodings [--positions N] [--dimensions D] [--seed N] [--out DIR]
//
// This file parses, runs and prints; Sinusoidal.swift, RoPE.swift and ALiBi.swift hold the
// math, Report.swift the printing and pictures.
// Errors are one line on stderr, `error: positional-encodings: ...`, as in `train` and `sample`.
// Exit status: 0 success; 2 misuse (a bad flag, an --out that cannot be a directory); 1 a failed
// check or a file that could not be written.

import Foundation
import Tapestry
import TapestryGPT

let options: PositionalOptions
do {
    guard let parsed = try PositionalOptions.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(PositionalOptions.usage)
        exit(0)
    }
    options = parsed
    try OutputDirectory(checking: options.outputDirectory, for: "the pictures").create()
} catch {
    exitWithError("positional-encodings: \(error)", code: 2)      // a bad flag or --out: misuse
}

do {
    print(try sinusoidalReport(positions: options.positions, dimensions: options.dimensions,
                               directory: options.outputDirectory))
} catch {
    exitWithError("positional-encodings: \(error)", code: 1)
}
print("")
let rope = ropeReport(seed: options.seed)
print(rope.text)
print("")
print(alibiReport())
if !rope.passed {
    exitWithError("positional-encodings: the RoPE relative-offset check failed", code: 1)
}

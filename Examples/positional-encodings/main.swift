// positional-encodings: sinusoidal tables, RoPE's relative-offset property, ALiBi's biases.
//
//     swift run positional-encodings [--positions N] [--dimensions D] [--seed N] [--out DIR]
//
// This file parses, runs and prints; Sinusoidal.swift, RoPE.swift and ALiBi.swift hold the
// math, Report.swift the printing and pictures.
// Exit status: 0 success, 1 a failed check or a file error, 2 a usage error.

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
} catch {
    writeToStandardError("positional-encodings: \(error)\n")
    exit(2)
}

do {
    print(try sinusoidalReport(positions: options.positions, dimensions: options.dimensions,
                               directory: options.outputDirectory))
} catch {
    writeToStandardError("positional-encodings: \(error)\n")
    exit(1)
}
print("")
let rope = ropeReport(seed: options.seed)
print(rope.text)
print("")
print(alibiReport())
if !rope.passed {
    writeToStandardError("positional-encodings: the RoPE relative-offset check failed\n")
    exit(1)
}

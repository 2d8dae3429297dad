// self-attention: one attention head by hand, then why the scores are divided by √d_k.
//
//     swift run self-attention [--seed N] [--causal]
//
// This file parses, runs and prints; ToyAttention.swift and ScalingExperiment.swift compute.
// Errors are one line on stderr, `error: self-attention: ...`, as in `train` and `sample`. Exit
// status: 0 success; 2 a bad flag; 1 a failed check (a softmax row that does not sum to 1).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tapestry
import TapestryGPT

let options: SelfAttentionOptions
do {
    guard let parsed = try SelfAttentionOptions.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(SelfAttentionOptions.usage)
        exit(0)
    }
    options = parsed
} catch {
    exitWithError("self-attention: \(error)", code: 2)
}

let toy = ToyAttention(seed: options.seed, causal: options.causal)
print(toy.report(seed: options.seed, causal: options.causal))
print(scalingReport(scalingMeasurements(seed: options.seed)))
if toy.rowSums.contains(where: { abs($0 - 1) > 1e-5 }) {
    exitWithError("self-attention: a row of softmax weights does not sum to 1", code: 1)
}

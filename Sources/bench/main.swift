// bench: speed measurements of Tapestry's kernels (and later of whole training steps).
//
// Usage: swift run -c release bench [CASE ...] [--threads N] [--cpu-time] [--config cpu|baby] [--json]
//   gemm        GFLOP/s of every GEMM shape of the nanoGPT CPU config, plus one core's FMA peak
//   vectormath  G elements/s of VectorMath's exp, tanh, erf against Foundation's
//   train-step  the whole training step: ms/iter, tokens/s, GFLOP/s, MFU, resident memory
//   bpe         byte-level BPE: training time at vocab 4096, encode MB/s (default corpus)
//   sample      generation tokens/s with and without the KV cache
//   profile     one training step's time per op, forward and backward (not part of "all")
// With no CASE every case runs. Without --threads each case runs at 1 and 2 threads.
// --config baby runs train-step/profile on the baby GPT instead of nanoGPT's CPU config.
// --json prints one JSON object keyed by case name (the table goes to standard error).
// Each figure is the median of several timed runs after a warm-up (see Measure.swift).
// --cpu-time times with the thread's CPU clock instead of the wall clock, on 1 thread: on a
// machine shared with other jobs it measures the code while it runs, not the time it waited.
// This is a program, never a test: timings depend on the machine and its load.

import Tapestry

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A named measurement that `bench` can run.
struct BenchCase {
    let name: String
    let summary: String
    let run: (BenchOptions) -> Void
    /// Whether the case runs when no case is named.
    var inAll = true
}

/// What the command line asked for, handed to every case.
struct BenchOptions {
    var threadCounts = [1, 2]
    var clock = TimingClock.wall
    /// "cpu" (nanoGPT's CPU config) or "baby", for the training cases.
    var modelConfig = "cpu"
    var report = BenchReport(json: false)
}

let cases: [BenchCase] = [
    BenchCase(name: "gemm", summary: "GEMM GFLOP/s for the model's shapes, and the FMA peak", run: benchGEMM),
    BenchCase(name: "vectormath", summary: "exp, tanh, erf: G elements/s, SIMD16 against Foundation", run: benchVectorMath),
    BenchCase(name: "train-step", summary: "training step: ms/iter, tokens/s, GFLOP/s, MFU, RSS", run: benchTrainStep),
    BenchCase(name: "bpe", summary: "BPE training time (vocab 4096) and encode MB/s on the default corpus", run: benchBPE),
    BenchCase(name: "sample", summary: "generation tokens/s with and without the KV cache", run: benchSample),
    BenchCase(name: "profile", summary: "training step time per op, forward/backward (only when named)",
              run: benchProfile, inAll: false),
]

let usage = "usage: bench [CASE ...] [--threads N] [--cpu-time] [--config cpu|baby] [--json]\ncases:\n"
    + cases.map { "  \($0.name.padding(toLength: 12, withPad: " ", startingAt: 0))\($0.summary)" }
        .joined(separator: "\n") + "\n"

var selected: [String] = []
var options = BenchOptions()
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--threads":
        guard let value = arguments.popFirst().flatMap(Int.init), value >= 1 else {
            writeToStandardError("bench: --threads needs a positive integer\n" + usage)
            exit(2)
        }
        options.threadCounts = [value]
    case "--json":
        options.report = BenchReport(json: true)
    case "--config":
        guard let value = arguments.popFirst(), ["cpu", "baby"].contains(value) else {
            writeToStandardError("bench: --config needs cpu or baby\n" + usage)
            exit(2)
        }
        options.modelConfig = value
    case "--cpu-time":
        options.clock = .threadCPU
    case "-h", "--help":
        print(usage, terminator: "")
        exit(0)
    default:
        guard cases.contains(where: { $0.name == argument }) else {
            writeToStandardError("bench: unknown case '\(argument)'\n" + usage)
            exit(2)
        }
        selected.append(argument)
    }
}

if options.clock == .threadCPU {
    // One thread's CPU clock says nothing about the others: CPU time is a 1-thread measure.
    guard options.threadCounts == [1] || !CommandLine.arguments.contains("--threads") else {
        writeToStandardError("bench: --cpu-time times one thread; use it without --threads or with --threads 1\n")
        exit(2)
    }
    options.threadCounts = [1]
}

for benchCase in cases where selected.isEmpty ? benchCase.inAll : selected.contains(benchCase.name) {
    benchCase.run(options)
}
if options.report.json { print(options.report.jsonText()) }

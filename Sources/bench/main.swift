// bench: speed measurements of Tapestry's kernels (and later of whole training steps).
//
// Usage: swift run -c release bench [CASE ...] [--threads N] [--cpu-time] [--config cpu|baby]
//                                   [--shapes TEXT] [--json]
//   gemm        GFLOP/s of every GEMM shape of the nanoGPT CPU config, plus one core's FMA peak
//   vectormath  G elements/s of VectorMath's exp, tanh, erf against Foundation's
//   train-step  the whole training step: ms/iter, tokens/s, GFLOP/s, MFU, resident memory
//   bpe         byte-level BPE: training time at vocab 4096, encode MB/s (default corpus)
//   sample      generation tokens/s with and without the KV cache
//   profile     one training step's time per op, forward and backward (not part of "all")
// With no CASE every case runs. Without --threads each case runs at 1 and 2 threads.
// --config baby runs train-step/profile on the baby GPT instead of nanoGPT's CPU config.
// --shapes TEXT runs only the GEMM shapes whose name contains TEXT (`--shapes dW`: the weight
// gradients), for work on one kind of product.
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
    /// Only the GEMM shapes whose name contains this (nil: all).
    var shapeFilter: String? = nil
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

let usage = "usage: bench [CASE ...] [--threads N] [--cpu-time] [--config cpu|baby] [--shapes TEXT] [--json]\ncases:\n"
    + cases.map { "  \($0.name.padding(toLength: 12, withPad: " ", startingAt: 0))\($0.summary)" }
        .joined(separator: "\n") + "\n"

/// Ends the program with one line on standard error and status 2 (a misused command line).
func fail(_ message: String) -> Never {
    writeToStandardError("error: bench: \(message) (bench --help lists the cases and flags)\n")
    exit(2)
}

var selected: [String] = []
var options = BenchOptions()
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--threads":
        guard let text = arguments.popFirst() else { fail("--threads: missing value (a whole number >= 1)") }
        guard let value = Int(text), value >= 1 else { fail("--threads: expected a whole number >= 1, got '\(text)'") }
        options.threadCounts = [value]
    case "--json":
        options.report = BenchReport(json: true)
    case "--config":
        guard let value = arguments.popFirst(), ["cpu", "baby"].contains(value) else {
            fail("--config: expected cpu or baby")
        }
        options.modelConfig = value
    case "--shapes":
        guard let text = arguments.popFirst(), !text.isEmpty else { fail("--shapes: missing value (part of a shape's name)") }
        guard gemmShapes.contains(where: { $0.name.contains(text) }) else {
            fail("--shapes: '\(text)' matches no GEMM shape (names such as 'c_attn dW=dYᵀ·X', 'lm_head y=x·Wᵀ')")
        }
        options.shapeFilter = text
    case "--cpu-time":
        options.clock = .threadCPU
    case "-h", "--help":
        print(usage, terminator: "")
        exit(0)
    default:
        guard cases.contains(where: { $0.name == argument }) else {
            fail(argument.hasPrefix("-") ? "unknown flag '\(argument)'" : "unknown case '\(argument)'")
        }
        selected.append(argument)
    }
}

if options.clock == .threadCPU {
    // One thread's CPU clock says nothing about the others: CPU time is a 1-thread measure.
    guard options.threadCounts == [1] || !CommandLine.arguments.contains("--threads") else {
        fail("--cpu-time times one thread; use it without --threads or with --threads 1")
    }
    options.threadCounts = [1]
}

for benchCase in cases where selected.isEmpty ? benchCase.inAll : selected.contains(benchCase.name) {
    benchCase.run(options)
}
if options.report.json { print(options.report.jsonText()) }

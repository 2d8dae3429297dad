// bench: speed measurements of Tapestry's kernels (and later of whole training steps).
//
// Usage: swift run -c release bench [CASE ...] [--threads N] [--cpu-time]
//   gemm        GFLOP/s of every GEMM shape of the nanoGPT CPU config, plus one core's FMA peak
//   vectormath  G elements/s of VectorMath's exp, tanh, erf against Foundation's
// With no CASE every case runs. Without --threads each case runs at 1 and 2 threads.
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
}

/// What the command line asked for, handed to every case.
struct BenchOptions {
    var threadCounts = [1, 2]
    var clock = TimingClock.wall
}

let cases: [BenchCase] = [
    BenchCase(name: "gemm", summary: "GEMM GFLOP/s for the model's shapes, and the FMA peak", run: benchGEMM),
    BenchCase(name: "vectormath", summary: "exp, tanh, erf: G elements/s, SIMD16 against Foundation", run: benchVectorMath),
]

let usage = "usage: bench [CASE ...] [--threads N] [--cpu-time]\ncases:\n"
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

for benchCase in cases where selected.isEmpty || selected.contains(benchCase.name) {
    benchCase.run(options)
}

// `bench`, run as a developer runs it, but on its smallest case: what it prints and its JSON
// keys (never its timings: speed is measured by bench itself, not asserted in tests), and
// one-line errors for a bad command line.

import Foundation
import Testing
import TapestryTestSupport

/// Runs `bench gemm` with `arguments` and `--json`; returns its "gemm" object as `Figures` and
/// the table it wrote to stderr, or fails the test.
private func benchGEMM<Figures>(_ arguments: [String], as: Figures.Type, timeout: TimeInterval = 120) throws
    -> (gemm: Figures, stdout: String, table: String) {
    let result = runProgram("bench", arguments: ["gemm"] + arguments + ["--json"], timeout: timeout)
    #expect(result.exitCode == 0, "stderr: \(result.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    let gemm = try #require(json?["gemm"] as? Figures, "stdout: \(result.stdout)")
    return (gemm, result.stdout, result.stderr)
}

@Suite struct BenchProgramTests {
    @Test func oneGEMMShapeAsJSON() throws {
        // One attention-head shape: about a second, most of it measuring the FMA peak.
        let (gemm, _, table) = try benchGEMM(["--threads", "1", "--shapes", "head att"], as: [String: Double].self)
        #expect(Set(gemm.keys) == ["fma_peak_gflops_per_core", "head att·v", "head att·v % peak"])
        #expect(gemm.values.allSatisfy { $0.isFinite && $0 > 0 }, "\(gemm)")
        // The table goes to stderr with --json: the header, the column names and the one shape.
        #expect(table.contains("FMA peak, one core") && table.contains("head att·v"))
        #expect(!table.contains("c_attn"), "--shapes keeps only the matching shapes")
    }

    @Test func twoShapesOnTwoThreadCountsKeepEveryFigure() throws {
        // The table alternates thread counts shape by shape; the JSON must still hold one object
        // per thread count with every shape in it (it once began a new, duplicate "1" per shape).
        let (gemm, stdout, _) = try benchGEMM(["--shapes", "lm_head d"], as: [String: [String: Double]].self, timeout: 180)
        #expect(Set(gemm.keys) == ["1", "2"])
        #expect(Set(gemm["1"].map { Array($0.keys) } ?? []) == ["fma_peak_gflops_per_core", "lm_head dX=dY·W", "lm_head dX=dY·W % peak",
                                                     "lm_head dW=dYᵀ·X", "lm_head dW=dYᵀ·X % peak"])
        #expect(Set(gemm["2"].map { Array($0.keys) } ?? []) == ["lm_head dX=dY·W", "lm_head dW=dYᵀ·X"])
        #expect(stdout.components(separatedBy: "\"1\":").count == 2, "one \"1\" object: \(stdout)")
    }

    static let badCases: [BadInput] = [
        BadInput(name: "zero threads", program: "bench", arguments: ["--threads", "0"], status: 2,
                 mentions: ["bench", "--threads", "whole number >= 1", "'0'"]),
        BadInput(name: "threads without a value", program: "bench", arguments: ["gemm", "--threads"], status: 2,
                 mentions: ["--threads", "missing value"]),
        BadInput(name: "unknown config", program: "bench", arguments: ["--config", "huge"], status: 2,
                 mentions: ["--config", "cpu or baby"]),
        BadInput(name: "unknown case", program: "bench", arguments: ["gemmm"], status: 2,
                 mentions: ["unknown case", "'gemmm'"]),
        BadInput(name: "unknown flag", program: "bench", arguments: ["--fast"], status: 2,
                 mentions: ["unknown flag", "'--fast'"]),
        BadInput(name: "shapes matching nothing", program: "bench", arguments: ["gemm", "--shapes", "conv2d"], status: 2,
                 mentions: ["--shapes", "'conv2d'", "matches no GEMM shape"]),
        BadInput(name: "cpu time on two threads", program: "bench", arguments: ["--cpu-time", "--threads", "2"], status: 2,
                 mentions: ["--cpu-time", "one thread"]),
    ]

    @Test(arguments: badCases) func badCommandLine(_ input: BadInput) throws { try input.check() }
}

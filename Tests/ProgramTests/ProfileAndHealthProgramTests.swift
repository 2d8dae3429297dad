// `train --profile N` and `train --health`, run as a user runs them on a tiny config: the
// sections they print, the peak memory in summary.json, and one-line errors for bad values.

import Foundation
import Testing
import TapestryTestSupport

@Suite(.serialized) struct ProfileAndHealthProgramTests {
    static let tiny = ["--block-size", "16", "--n-layer", "2", "--n-head", "2", "--n-embd", "32", "--batch-size", "4"]

    @Test func profilePrintsTheOpTableAndWritesNothing() throws {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out").path
        let result = runProgram("train", arguments: Self.tiny + ["--profile", "3", "--out", out], timeout: 120)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("profile: 3 steps after 2 warm-up steps; block 16, batch 4, 2 layers") == true)
        #expect(lines.contains { $0.hasPrefix("op ") && $0.contains("fwd GFLOP/s") && $0.contains("bwd GFLOP/s") })
        for op in ["linear", "scaledDotProductAttention", "layerNorm", "gelu", "crossEntropy", "step rest", "step "] {
            #expect(lines.contains { $0.hasPrefix(op) }, "no row \(op)")
        }
        #expect(lines.contains { $0.hasPrefix("MFU ") && $0.contains("FMA peak") })
        #expect(!lines.contains { $0.hasPrefix("iter ") || $0.hasPrefix("sample:") }, "--profile trains nothing more")
        #expect(!FileManager.default.fileExists(atPath: out), "--profile must not create --out")
    }

    @Test func healthPrintsAReportAtEveryLogAndPeakMemoryIsInTheSummary() throws {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out").path
        let arguments = Self.tiny + ["--max-iters", "4", "--log-interval", "2", "--eval-interval", "4", "--eval-iters", "1",
                                     "--sample-length", "8", "--health", "--out", out]
        let result = runProgram("train", arguments: arguments, timeout: 120)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for step in [1, 2, 4] {
            let start = try #require(lines.firstIndex { $0.hasPrefix("health at iter \(step) (") }, "no report at \(step)")
            #expect(lines[start - 1].hasPrefix("iter \(step): loss"))
            let block = lines[(start + 1)...].prefix(9).map { $0.trimmingCharacters(in: .whitespaces) }
            for (index, name) in ["layer", "embeddings", "h.0", "h.1", "ln_f", "all", "clipping:", "verdict:"].enumerated() {
                #expect(block[index].hasPrefix(name), "line \(index) of the report at \(step): \(block[index])")
            }
        }
        #expect(!lines.contains { $0.hasPrefix("health at iter 3") })
        let done = try #require(lines.first { $0.hasPrefix("done: 4 steps") })
        #expect(done.contains("peak memory") && done.contains("MiB"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        let peak = try #require((json as? [String: Any])?["peakRssMiB"] as? Double)
        #expect(peak > 1 && peak < 4096, "peakRssMiB \(peak)")
    }

    @Test func peakMemoryIsTheProgramsOwnNotItsParents() throws {
        // Linux carries getrusage's ru_maxrss across exec, so a program started by a large
        // process (`swift run`, or this test runner) used to report its parent's peak. Make
        // the runner large first: 384 MiB, touched. The tiny run itself peaks near 40 MiB.
        let ballastBytes = 384 << 20
        let ballast = UnsafeMutableRawPointer.allocate(byteCount: ballastBytes, alignment: 4096)
        defer { ballast.deallocate() }
        ballast.initializeMemory(as: UInt8.self, repeating: 1, count: ballastBytes)
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out").path
        let arguments = Self.tiny + ["--max-iters", "2", "--eval-interval", "2", "--eval-iters", "1",
                                     "--sample-length", "4", "--out", out]
        let result = runProgram("train", arguments: arguments, timeout: 120)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        let peak = try #require((json as? [String: Any])?["peakRssMiB"] as? Double)
        #expect(peak > 1 && peak < 200, "peakRssMiB \(peak): the trainer's own peak, not the test runner's")
        withExtendedLifetime(ballast) {}
    }

    static let badCases: [BadInput] = [
        BadInput(name: "negative profile steps", program: "train", arguments: train(["--profile", "-1"]), status: 2,
                 mentions: ["--profile", "at least 0", "-1"], setup: withCorpus()),
        BadInput(name: "non-numeric profile steps", program: "train", arguments: train(["--profile", "many"]), status: 2,
                 mentions: ["--profile", "expected an integer", "'many'"], setup: withCorpus()),
        BadInput(name: "profile without a value", program: "train", arguments: train(["--health", "--profile"]), status: 2,
                 mentions: ["--profile", "missing value"], setup: withCorpus()),
        BadInput(name: "health with a value", program: "train", arguments: train(["--health=yes"]), status: 2,
                 mentions: ["--health", "takes no value"], setup: withCorpus()),
        BadInput(name: "profile and health together", program: "train", arguments: train(["--profile", "2", "--health"]),
                 status: 2, mentions: ["--profile", "--health", "cannot be combined"], setup: withCorpus()),
    ]

    @Test(arguments: badCases) func badFlag(_ input: BadInput) throws { try input.check() }
}

// `train` and `sample`, run as a user runs them: a tiny training run writes every file and
// prints progress and a sample; `sample` reads the checkpoint alone, and the KV cache does not
// change the tokens.

import Foundation
import Testing
import TapestryTestSupport

@Suite(.serialized) struct TrainAndSampleProgramTests {
    static let tinyRun = ["--max-iters", "6", "--block-size", "16", "--n-layer", "2", "--n-head", "2",
                          "--n-embd", "32", "--batch-size", "4", "--eval-interval", "3", "--eval-iters", "2",
                          "--log-interval", "2", "--sample-length", "40"]

    func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("train-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    @Test func trainWritesEveryFileAndEndsWithASample() throws {
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = runProgram("train", arguments: Self.tinyRun + ["--out", out])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("parameters: ") })
        #expect(lines.contains { $0.hasPrefix("vocab size: 73 (char), train tokens: 1042396, val tokens: 115822") })
        #expect(lines.contains { $0.hasPrefix("expected initial loss ln(73) = 4.2905") })
        #expect(lines.contains { $0.hasPrefix("step 0: train loss ") })
        #expect(lines.contains { $0.hasPrefix("iter 6: loss ") && $0.contains("ms/iter") && $0.contains("ETA") })
        #expect(lines.contains { $0.hasPrefix("tape: step 1 recorded ") && $0.hasSuffix("ops; the next steps replay them (lesson 4)") },
                "\(lines)")
        let sampleIndex = try #require(lines.firstIndex(of: "sample:"))
        #expect(sampleIndex < lines.count - 1)
        for name in ["model.safetensors", "train-state.safetensors", "attention.safetensors",
                     "loss.csv", "loss.svg", "summary.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "missing \(name)")
        }
        // No temporary files are left behind by the atomic writes.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains("tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func sampleReadsTheCheckpointAndTheCacheChangesNothing() throws {
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let trained = runProgram("train", arguments: Self.tinyRun + ["--out", out])
        try #require(trained.exitCode == 0, "stderr: \(trained.stderr)")
        let common = ["--checkpoint", out + "/model.safetensors", "--prompt", "ROMEO:", "--max-new-tokens", "60",
                      "--temperature", "0.8", "--top-k", "20", "--top-p", "0.95", "--seed", "1"]
        let cached = runProgram("sample", arguments: common)
        let uncached = runProgram("sample", arguments: common + ["--no-kv-cache"])
        #expect(cached.exitCode == 0, "stderr: \(cached.stderr)")
        #expect(cached.stdout.hasPrefix("ROMEO:"))
        #expect(cached.stdout.count > 60)
        #expect(cached.stdout == uncached.stdout)

        let greedyA = runProgram("sample", arguments: common + ["--temperature", "0", "--seed", "1"])
        let greedyB = runProgram("sample", arguments: common + ["--temperature", "0", "--seed", "2"])
        #expect(greedyA.stdout == greedyB.stdout, "temperature 0 is greedy: the seed must not matter")

        let unknown = runProgram("sample", arguments: ["--checkpoint", out + "/model.safetensors", "--prompt", "Ωmega"])
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("Ω"), "\(unknown.stderr)")
        #expect(unknown.stderr.split(separator: "\n").count == 1)
    }

    @Test func badFlagsAreOneLineAndExitTwo() {
        let result = runProgram("train", arguments: ["--max-iters", "lots"])
        #expect(result.exitCode == 2)
        #expect(result.stderr == "error: train: --max-iters: expected an integer, got 'lots'\n")
        let help = runProgram("train", arguments: ["--help"])
        #expect(help.exitCode == 0)
        #expect(help.stdout.contains("--resume"))
    }
}

// `train --pos alibi --moe-experts ...`, `sample` and `evaluate`, run as a user runs them: a
// variant checkpoint samples identically with and without the KV cache, and `evaluate` runs
// it at twice its context, while refusing a learned-position checkpoint there.

import Foundation
import Testing
import TapestryTestSupport

@Suite(.serialized) struct VariantsProgramTests {
    static let tinyRun = ["--max-iters", "4", "--block-size", "16", "--n-layer", "2", "--n-head", "2",
                          "--n-embd", "32", "--batch-size", "4", "--eval-interval", "4", "--eval-iters", "2",
                          "--log-interval", "2", "--sample-length", "8"]

    func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("variants-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    @Test func aVariantCheckpointSamplesAndEvaluatesPastItsContext() throws {
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let trained = runProgram("train", arguments: Self.tinyRun + ["--out", out, "--pos", "alibi",
                                                                      "--moe-experts", "4", "--moe-top-k", "2"])
        try #require(trained.exitCode == 0, "stderr: \(trained.stderr)")
        #expect(trained.stdout.contains("expert utilization (aux loss "))
        let checkpoint = out + "/model.safetensors"
        let common = ["--checkpoint", checkpoint, "--prompt", "ROMEO:", "--max-new-tokens", "30", "--seed", "3"]
        let cached = runProgram("sample", arguments: common)
        let uncached = runProgram("sample", arguments: common + ["--no-kv-cache"])
        #expect(cached.exitCode == 0, "stderr: \(cached.stderr)")
        #expect(cached.stdout == uncached.stdout)

        let evaluated = runProgram("evaluate", arguments: ["--checkpoint", checkpoint, "--block-size", "32", "--max-windows", "4"])
        #expect(evaluated.exitCode == 0, "stderr: \(evaluated.stderr)")
        #expect(evaluated.stdout.hasPrefix("val loss "))
        #expect(evaluated.stdout.contains("at block size 32 (trained at 16, pos alibi); 4 windows, 128 tokens"))
    }

    @Test func evaluateRefusesLearnedPositionsPastBlockSize() throws {
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let trained = runProgram("train", arguments: Self.tinyRun + ["--out", out, "--max-iters", "0"])
        try #require(trained.exitCode == 0, "stderr: \(trained.stderr)")
        let refused = runProgram("evaluate", arguments: ["--checkpoint", out + "/model.safetensors", "--block-size", "32"])
        #expect(refused.exitCode == 2)
        #expect(refused.stderr.hasPrefix("error: evaluate: --block-size 32: this checkpoint uses learned positions"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
        let help = runProgram("evaluate", arguments: ["--help"])
        #expect(help.exitCode == 0 && help.stdout.contains("--block-size"))
    }
}

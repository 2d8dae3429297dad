// Faults during a real `train` run: SIGKILL at random moments (a crash, a power cut),
// Ctrl-C, and a loss that goes non-finite. After each, the last complete checkpoint must load,
// and a resumed run must end with files identical, byte for byte, to those of a run that was
// never interrupted (weights, loss curve, attention dump).

import Foundation
import Testing
import TapestryTestSupport

/// Runs of 12 steps with a checkpoint after every step, so that most of the time goes into
/// writing checkpoints (each one a temp file, fsync, rename; four files per step).
let killFlags = ["--max-iters", "12", "--block-size", "16", "--n-layer", "1", "--n-head", "2", "--n-embd", "16",
                 "--batch-size", "2", "--eval-iters", "1", "--eval-interval", "1", "--log-interval", "1",
                 "--sample-length", "8", "--corpus", "corpus.txt", "--out", "out"]

/// Files that a finished run writes and that must not depend on interruptions.
let comparedFiles = ["model.safetensors", "loss.csv", "attention.safetensors"]

/// The uninterrupted run of `flags` in a fresh directory with the shared corpus.
func referenceRun(_ flags: [String]) throws -> URL {
    let directory = makeScratchDirectory()
    try withCorpus()(directory)
    let result = runProgram("train", arguments: flags, currentDirectory: directory)
    #expect(result.exitCode == 0, "reference run: \(result.stderr)")
    return directory
}

/// Expects the files a finished run wrote in `directory` to equal the reference run's.
func expectSameResult(_ directory: URL, as reference: URL, sourceLocation: SourceLocation = #_sourceLocation) {
    for name in comparedFiles {
        let mine = try? Data(contentsOf: directory.appendingPathComponent("out/\(name)"))
        let theirs = try? Data(contentsOf: reference.appendingPathComponent("out/\(name)"))
        #expect(mine != nil && mine == theirs, "out/\(name) differs from the uninterrupted run", sourceLocation: sourceLocation)
    }
}

/// The step stored in a checkpoint's metadata.
func savedIteration(_ url: URL) -> Int? {
    (try? EditableSafeTensors(contentsOf: url)).flatMap { Int($0.metadata["iteration"] ?? "") }
}

@Suite(.serialized) struct FaultTests {
    @Test func sigkillAtRandomMomentsAlwaysLeavesAResumableCheckpoint() throws {
        let reference = try referenceRun(killFlags)
        defer { try? FileManager.default.removeItem(at: reference) }
        // How long the checkpointing part of a run lasts here, to spread the kills over it.
        let start = Date()
        _ = runProgram("train", arguments: killFlags, currentDirectory: reference)
        let runSeconds = max(Date().timeIntervalSince(start), 0.05)

        var generator = SeededGenerator(seed: 20_251_123)
        var withCheckpoint = 0, killedMidWrite = 0
        for trial in 0..<20 {
            let directory = makeScratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try withCorpus()(directory)
            let program = try RunningProgram("train", arguments: killFlags, currentDirectory: directory)
            // Start the clock at the first evaluation, i.e. just before the first checkpoint write.
            _ = program.waitForOutput(containing: "step 0:", timeout: 60)
            Thread.sleep(forTimeInterval: generator.nextUnit() * runSeconds * 0.8)
            program.send(SIGKILL)
            _ = program.wait(timeout: 60)
            let out = directory.appendingPathComponent("out")
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.contains(".tmp.") }
            if !leftovers.isEmpty { killedMidWrite += 1 }

            let hasCheckpoint = FileManager.default.fileExists(atPath: out.appendingPathComponent("train-state.safetensors").path)
            let resumed = runProgram("train", arguments: killFlags + ["--resume"], currentDirectory: directory)
            if hasCheckpoint {
                withCheckpoint += 1
                #expect(resumed.exitCode == 0, "trial \(trial): resume failed: \(resumed.stderr)")
                expectSameResult(directory, as: reference)
                let remaining = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
                #expect(!remaining.contains { $0.contains(".tmp.") }, "trial \(trial): temp files left: \(remaining)")
            } else {
                // Killed before the first checkpoint was complete: nothing to resume, said in one line.
                expectCleanFailure(resumed, status: 2, mentions: ["nothing to resume"])
            }
        }
        print("SIGKILL trials: 20, with a checkpoint to resume: \(withCheckpoint), killed in the middle of a write: \(killedMidWrite)")
        #expect(withCheckpoint >= 10, "most kills should land after the first checkpoint")
    }

    @Test func resumeAfterAKillBetweenTheFinalStateAndTheLossCurveRewritesTheCurve() throws {
        // The window a random SIGKILL hits only now and then, made exact: the final train state
        // is saved (its history holds the last evaluation) but loss.csv is one row short.
        let reference = try referenceRun(killFlags)
        defer { try? FileManager.default.removeItem(at: reference) }
        let directory = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try withCorpus()(directory)
        let out = directory.appendingPathComponent("out")
        try FileManager.default.copyItem(at: reference.appendingPathComponent("out"), to: out)
        let csv = out.appendingPathComponent("loss.csv")
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        try (rows.dropLast().joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let resumed = runProgram("train", arguments: killFlags + ["--resume"], currentDirectory: directory)
        #expect(resumed.exitCode == 0, "resume failed: \(resumed.stderr)")
        expectSameResult(directory, as: reference)
    }

    @Test func ctrlCSavesAResumableCheckpointAndExits130() throws {
        let flags = ["--max-iters", "150", "--block-size", "16", "--n-layer", "1", "--n-head", "2", "--n-embd", "16",
                     "--batch-size", "2", "--eval-iters", "1", "--eval-interval", "16", "--log-interval", "1",
                     "--sample-length", "8", "--corpus", "corpus.txt", "--out", "out"]
        let reference = try referenceRun(flags)
        defer { try? FileManager.default.removeItem(at: reference) }
        let directory = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try withCorpus()(directory)

        let interrupted = runProgram("train", arguments: flags, currentDirectory: directory,
                                     signal: .interrupt(.whenOutputContains("iter 21:")))
        #expect(interrupted.exitCode == 130, "stderr: \(interrupted.stderr)")
        #expect(interrupted.stderr.isEmpty)
        let lastLine = interrupted.stdout.split(separator: "\n").last.map(String.init) ?? ""
        // "interrupted at step N; saved out/model.safetensors and out/train-state.safetensors; resume ..."
        let step = Int(lastLine.split(separator: ";").first?.split(separator: " ").last ?? "")
        #expect(lastLine.hasPrefix("interrupted at step ") && lastLine.contains("saved out/model.safetensors and out/train-state.safetensors")
                && lastLine.hasSuffix("resume with the same flags plus --resume"), "last line: \(lastLine)")
        guard let step else { Issue.record("no step in: \(lastLine)"); return }
        // The current step is finished, not abandoned, and the run did not go on to the end.
        #expect(step >= 21 && step < 150)
        #expect(interrupted.stdout.contains("iter \(step): loss"))
        #expect(savedIteration(directory.appendingPathComponent("out/model.safetensors")) == step)
        #expect(savedIteration(directory.appendingPathComponent("out/train-state.safetensors")) == step)

        let resumed = runProgram("train", arguments: flags + ["--resume"], currentDirectory: directory)
        #expect(resumed.exitCode == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stdout.hasPrefix("resumed from out at step \(step)\n"))
        expectSameResult(directory, as: reference)
    }

    @Test func aNonFiniteLossStopsNamingTheStepAndTensorAndKeepsTheLastGoodCheckpoint() throws {
        let directory = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try withCorpus()(directory)
        let flags = tinyTrainFlags + ["--max-iters", "30", "--eval-interval", "1", "--lr", "1e6", "--warmup-iters", "0",
                                      "--corpus", "corpus.txt", "--out", "out"]
        let result = runProgram("train", arguments: flags, currentDirectory: directory)
        expectCleanFailure(result, status: 1, mentions: ["training diverged at step ", "first non-finite tensor: ",
                                                         "try a lower --lr", "the last good checkpoint (step "])
        // "... diverged at step N: ...; the last good checkpoint (step K) is kept in out"
        let numbers = result.stderr.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let model = directory.appendingPathComponent("out/model.safetensors")
        guard let kept = savedIteration(model), let diverged = numbers.first else {
            Issue.record("no checkpoint or step: \(result.stderr)"); return
        }
        #expect(result.stderr.contains("(step \(kept)) is kept in out"))
        #expect(kept < diverged && diverged < 30)
        for name in ["model.safetensors", "train-state.safetensors"] {
            let file = try EditableSafeTensors(contentsOf: directory.appendingPathComponent("out/\(name)"))
            #expect(file.floats.allSatisfy { $0.isFinite }, "\(name) holds non-finite numbers")
        }
        let sample = runProgram("sample", arguments: ["--checkpoint", model.path, "--max-new-tokens", "4"])
        #expect(sample.exitCode == 0, "the kept checkpoint does not load: \(sample.stderr)")
    }
}

/// A seeded SplitMix64, so the kill moments are the same in every run of the suite.
struct SeededGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    /// A number in [0, 1).
    mutating func nextUnit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}

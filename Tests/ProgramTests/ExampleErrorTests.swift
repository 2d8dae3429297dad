// Every example reports a mistake the way `train`, `sample` and `evaluate` do: one line on
// stderr, `error: <program>: <message>`, nothing on stdout, and
//   exit status 2 for misuse: a bad or unknown flag or value; an input file (checkpoint,
//     attention dump, corpus) that is missing, unreadable or not what was expected; an --out
//     (or --dot) that can never be written, found before any work;
//   exit status 1 for a failure while running: a write that fails (here: a file-size limit).
// Each misuse case also checks that the scratch directory, the program's current directory, is
// left exactly as it was (nothing created, nothing half-written).

import Foundation
import Testing
import TapestryTestSupport

/// One bad command line of an example, run in a scratch directory prepared by `setup`.
struct ExampleError: Sendable, CustomTestStringConvertible {
    let program: String
    let arguments: [String]
    let mentions: [String]
    var setup: @Sendable (URL) throws -> Void = { _ in }
    var testDescription: String { "\(program) \(arguments.joined(separator: " "))" }

    /// Runs it as a `BadInput` (status 2, one line, no crash, no file touched); then expects the
    /// `error: <program>: ` prefix and nothing on stdout.
    func check(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try BadInput(name: testDescription, program: program, arguments: arguments, status: 2,
                                  mentions: mentions, setup: setup).check(sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: \(program): "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
    }
}

/// Expects the programs' error form: exactly `status`, one line on stderr that starts with
/// `error: <program>: ` and contains each of `mentions`, and no sign of a crash.
func expectExampleError(_ result: ProgramResult, program: String, status: Int32, mentions: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
    expectCleanFailure(result, status: status, mentions: mentions, sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("error: \(program): "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
}

/// A setup that copies the shared tiny run: corpus.txt, out/model.safetensors, out/attention.safetensors.
let withRun: @Sendable (URL) throws -> Void = { try TrainedCheckpoint.copy(to: $0) }
/// A setup that writes a file that is not a safetensors file, and a regular file `afile` (so that
/// `afile/x` cannot be a directory).
let withJunk: @Sendable (URL) throws -> Void = {
    try Data("not a checkpoint\n".utf8).write(to: $0.appendingPathComponent("junk.safetensors"))
    try Data("x".utf8).write(to: $0.appendingPathComponent("afile"))
}
/// Both.
let withRunAndJunk: @Sendable (URL) throws -> Void = { try withRun($0); try withJunk($0) }

@Suite struct ExampleErrorTests {
    /// Every example: an unknown flag and a bad value.
    static let flagCases: [ExampleError] = ([
        ("moons", ["--steps", "0"], "--steps"), ("embeddings", ["--neighbours", "0"], "--neighbours"),
        ("self-attention", ["--seed", "x"], "--seed"), ("attention-viewer", ["--layer", "-1"], "--layer"),
        ("positional-encodings", ["--dimensions", "7"], "--dimensions"), ("mini-transformer", ["--steps", "0"], "--steps"),
        ("seq2seq", ["--heads", "3"], "--heads"), ("tape-step", ["--seed", "x"], "--seed"),
        ("sampling-explorer", ["--top-p", "0"], "--top-p"), ("kv-cache", ["--repeats", "0"], "--repeats"),
        ("quantize", ["--batches", "0"], "--batches"),
    ] as [(String, [String], String)]).flatMap { program, badValue, flag in
        [ExampleError(program: program, arguments: ["--bogus"], mentions: ["--bogus"]),
         ExampleError(program: program, arguments: badValue, mentions: [flag])]
    }

    /// Every example that reads a file: missing, a directory, not safetensors, the wrong kind.
    static let inputCases: [ExampleError] = {
        var cases: [ExampleError] = []
        for program in ["embeddings", "sampling-explorer", "kv-cache", "quantize"] {
            cases += [
                ExampleError(program: program, arguments: ["--checkpoint", "missing.safetensors"],
                             mentions: ["missing.safetensors", "file not found"]),
                ExampleError(program: program, arguments: ["--checkpoint", "out"], mentions: ["out", "is a directory"],
                             setup: withRun),
                ExampleError(program: program, arguments: ["--checkpoint", "junk.safetensors"],
                             mentions: ["junk.safetensors", "not safetensors"], setup: withJunk),
                ExampleError(program: program, arguments: ["--checkpoint", "out/attention.safetensors"],
                             mentions: ["out/attention.safetensors", "'tapestry-attention', expected 'tapestry-gpt'"], setup: withRun),
            ]
        }
        let viewer = ["--out", "pictures"]
        cases += [
            ExampleError(program: "attention-viewer", arguments: ["--file", "missing.safetensors"] + viewer,
                         mentions: ["missing.safetensors", "file not found"]),
            ExampleError(program: "attention-viewer", arguments: ["--file", "out"] + viewer, mentions: ["out", "is a directory"],
                         setup: withRun),
            ExampleError(program: "attention-viewer", arguments: ["--file", "junk.safetensors"] + viewer,
                         mentions: ["junk.safetensors", "not safetensors"], setup: withJunk),
            ExampleError(program: "attention-viewer", arguments: ["--file", "out/model.safetensors"] + viewer,
                         mentions: ["out/model.safetensors", "not an attention dump"], setup: withRun),
            ExampleError(program: "quantize", arguments: ["--checkpoint", "out/model.safetensors", "--corpus", "missing.txt"],
                         mentions: ["--corpus", "missing.txt", "no such file"], setup: withRun),
            ExampleError(program: "quantize", arguments: ["--checkpoint", "out/model.safetensors", "--corpus", "afile"],
                         mentions: ["--corpus afile", "not in the vocabulary"], setup: withRunAndJunk),
        ]
        return cases
    }()

    /// Every example that writes: an output path that can never be written.
    static let outputCases: [ExampleError] = [
        ExampleError(program: "moons", arguments: ["--out", "afile/x"], mentions: ["--out afile/x", "afile is not a directory"],
                     setup: withJunk),
        ExampleError(program: "embeddings", arguments: ["--checkpoint", "out/model.safetensors", "--characters", "the",
                                                        "--out", "afile/x"],
                     mentions: ["--out afile/x", "afile is not a directory"], setup: withRunAndJunk),
        ExampleError(program: "attention-viewer", arguments: ["--file", "out/attention.safetensors", "--out", "afile"],
                     mentions: ["--out afile", "is not a directory"], setup: withRunAndJunk),
        ExampleError(program: "positional-encodings", arguments: ["--out", "afile/x"],
                     mentions: ["--out afile/x", "afile is not a directory"], setup: withJunk),
        ExampleError(program: "mini-transformer", arguments: ["--out", "afile"], mentions: ["--out afile", "is not a directory"],
                     setup: withJunk),
        ExampleError(program: "seq2seq", arguments: ["--out", "afile/x"], mentions: ["--out afile/x", "afile is not a directory"],
                     setup: withJunk),
        ExampleError(program: "tape-step", arguments: ["--non-interactive", "--dot", "afile/tape.dot"],
                     mentions: ["--dot afile/tape.dot", "afile is not a directory"], setup: withJunk),
        ExampleError(program: "tape-step", arguments: ["--non-interactive", "--dot", "missing/tape.dot"],
                     mentions: ["--dot missing/tape.dot", "missing does not exist"]),
        ExampleError(program: "quantize", arguments: ["--checkpoint", "out/model.safetensors", "--out", "out"],
                     mentions: ["--out out", "is a directory"], setup: withRun),
        ExampleError(program: "quantize", arguments: ["--checkpoint", "out/model.safetensors", "--out", "afile/q.safetensors"],
                     mentions: ["--out afile/q.safetensors", "afile is not a directory"], setup: withRunAndJunk),
    ]

    @Test(arguments: flagCases) func badFlag(_ input: ExampleError) throws { try input.check() }
    @Test(arguments: inputCases) func badInputFile(_ input: ExampleError) throws { try input.check() }
    @Test(arguments: outputCases) func unwritableOutput(_ input: ExampleError) throws { try input.check() }

    /// A write that fails while running is a failure (status 1), in the same one-line form, and
    /// leaves no temporary file. `ulimit -f 1` (with SIGXFSZ ignored) makes every write past
    /// 1 KB fail with EFBIG, as a full disk would.
    @Test(arguments: [("positional-encodings", ["--out", "pictures"]), ("tape-step", ["--non-interactive", "--dot", "pictures/tape.dot"]),
                      ("embeddings", ["--checkpoint", "out/model.safetensors", "--characters", "the", "--out", "pictures"])])
    func failedWriteExitsOne(program: String, arguments: [String]) throws {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try withRun(scratch)
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("pictures"), withIntermediateDirectories: false)
        let executable = try #require(builtProgramURL(program))
        let result = runProgram("/bin/sh", arguments: ["-c", "trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"", executable.path] + arguments,
                                currentDirectory: scratch)
        expectExampleError(result, program: program, status: 1, mentions: ["pictures/", "File too large"])
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("pictures").path)
        #expect(!left.contains { $0.contains(".tmp.") }, "temporary files left: \(left)")
    }
}

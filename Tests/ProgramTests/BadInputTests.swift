// Bad input to the real `train`, `sample` and `tokenizer` binaries: a corpus, a flag, a
// tokenizer file, a prompt or an output path that is wrong. Each case must end in one line on
// stderr that names the input and says what was expected, a non-zero status (2 for misuse),
// no crash, and no file created or changed (a snapshot of the scratch directory before and
// after). Damaged checkpoints are in BadCheckpointTests.swift.

import Foundation
import Testing
import TapestryTestSupport

/// One bad command line: files to set up in a scratch directory (the program's current
/// directory), the arguments, the expected status, and texts the stderr line must contain.
struct BadInput: Sendable, CustomTestStringConvertible {
    let name: String
    let program: String
    let arguments: [String]
    let status: Int32?
    let mentions: [String]
    var setup: @Sendable (URL) throws -> Void = { _ in }
    var testDescription: String { name }

    /// Runs it and checks the failure and that the scratch directory is unchanged; returns what
    /// the program wrote, for checks of its own.
    @discardableResult
    func check(sourceLocation: SourceLocation = #_sourceLocation) throws -> ProgramResult {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try setup(scratch)
        let before = snapshot(scratch)
        let result = runProgram(program, arguments: arguments, currentDirectory: scratch, timeout: 60)
        expectCleanFailure(result, status: status, mentions: mentions, sourceLocation: sourceLocation)
        let after = snapshot(scratch)
        #expect(after == before, "files changed: \(Set(after.keys).symmetricDifference(before.keys).sorted())",
                sourceLocation: sourceLocation)
        return result
    }
}

/// A setup that writes `contents` to `name` in the scratch directory.
func file(_ name: String, _ contents: Data) -> @Sendable (URL) throws -> Void {
    { try contents.write(to: $0.appendingPathComponent(name)) }
}

/// A setup that writes the shared small corpus as corpus.txt, then runs `more`.
func withCorpus(_ more: @escaping @Sendable (URL) throws -> Void = { _ in }) -> @Sendable (URL) throws -> Void {
    { scratch in
        try Data(corpusText().utf8).write(to: scratch.appendingPathComponent("corpus.txt"))
        try more(scratch)
    }
}

/// `train` with the tiny flags, the given corpus, `--out out`, and `extra` flags.
func train(corpus: String = "corpus.txt", _ extra: [String] = []) -> [String] {
    tinyTrainFlags + ["--corpus", corpus, "--out", "out"] + extra
}

/// A valid two-merge BPE tokenizer file ("t"+"h" → 256, 256+"e" → 257).
let bpeFile = "tapestry-bpe v1\npretokenizer gpt4\nspecials 0\nmerges 2\n116 104\n256 101\n"

@Suite struct BadInputTests {
    static let corpusCases: [BadInput] = [
        BadInput(name: "missing corpus", program: "train", arguments: train(corpus: "none.txt"), status: 2,
                 mentions: ["corpus none.txt", "no such file"]),
        BadInput(name: "corpus is a directory", program: "train", arguments: train(corpus: "folder"), status: 2,
                 mentions: ["corpus folder", "is a directory, expected a file"],
                 setup: { try FileManager.default.createDirectory(at: $0.appendingPathComponent("folder"), withIntermediateDirectories: false) }),
        BadInput(name: "empty corpus", program: "train", arguments: train(corpus: "empty.txt"), status: 2,
                 mentions: ["corpus empty.txt", "empty"], setup: file("empty.txt", Data())),
        BadInput(name: "binary corpus", program: "train", arguments: train(corpus: "binary.bin"), status: 2,
                 mentions: ["corpus binary.bin", "not UTF-8"],
                 setup: file("binary.bin", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 0x80) }))),
        BadInput(name: "corpus shorter than block_size + 1", program: "train", arguments: train(corpus: "short.txt"), status: 2,
                 mentions: ["corpus short.txt", "block_size + 1 = 17"], setup: file("short.txt", Data("hello world\n".utf8))),
        // 150 tokens: train gets 135 (enough), val 15 (< 17: not one batch of block_size + 1).
        BadInput(name: "val split too short for one batch", program: "train", arguments: train(corpus: "tight.txt"), status: 2,
                 mentions: ["corpus tight.txt", "val 15", "block_size + 1 = 17"],
                 setup: file("tight.txt", Data(String(corpusText().prefix(150)).utf8))),
    ]

    @Test(arguments: corpusCases) func badCorpus(_ input: BadInput) throws { try input.check() }

    /// A device never ends: reading it whole would hang or fill memory.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/zero")))
    func deviceInsteadOfAFile() throws {
        try BadInput(name: "corpus /dev/zero", program: "train", arguments: train(corpus: "/dev/zero"), status: 2,
                     mentions: ["corpus /dev/zero", "is a device, expected a file"]).check()
        try BadInput(name: "tokenizer /dev/zero", program: "tokenizer", arguments: ["encode", "--tokenizer", "/dev/zero"],
                     status: 1, mentions: ["/dev/zero", "is a device, expected a file"]).check()
        try BadInput(name: "checkpoint /dev/zero", program: "sample", arguments: ["--checkpoint", "/dev/zero"],
                     status: 2, mentions: ["checkpoint /dev/zero", "not a regular file"]).check()
    }

    static let flagCases: [BadInput] = [
        BadInput(name: "unknown flag", program: "train", arguments: train(["--bogus", "1"]), status: 2,
                 mentions: ["--bogus", "unknown flag"], setup: withCorpus()),
        BadInput(name: "missing value", program: "train", arguments: train(["--lr"]), status: 2,
                 mentions: ["--lr", "missing value"], setup: withCorpus()),
        BadInput(name: "non-numeric value", program: "train", arguments: train(["--batch-size", "two"]), status: 2,
                 mentions: ["--batch-size", "expected an integer", "'two'"], setup: withCorpus()),
        BadInput(name: "negative size", program: "train", arguments: train(["--n-layer", "-1"]), status: 2,
                 mentions: ["--n-layer", "at least 1", "-1"], setup: withCorpus()),
        BadInput(name: "zero size", program: "train", arguments: train(["--block-size", "0"]), status: 2,
                 mentions: ["--block-size", "at least 1", "0"], setup: withCorpus()),
        BadInput(name: "negative learning rate", program: "train", arguments: train(["--lr", "-0.1"]), status: 2,
                 mentions: ["--lr", "positive"], setup: withCorpus()),
        BadInput(name: "n_embd not divisible by n_head", program: "train", arguments: train(["--n-embd", "30", "--n-head", "4"]),
                 status: 2, mentions: ["--n-embd 30", "--n-head 4", "divisible"], setup: withCorpus()),
        BadInput(name: "model too large for memory", program: "train",
                 arguments: train(["--n-embd", "65536", "--n-layer", "64", "--n-head", "1"]), status: 2,
                 mentions: ["memory", "--n-embd"], setup: withCorpus()),
        BadInput(name: "sample: top-p zero", program: "sample", arguments: ["--top-p", "0"], status: 2,
                 mentions: ["--top-p", "(0, 1]"]),
        BadInput(name: "sample: top-p above one", program: "sample", arguments: ["--top-p", "1.5"], status: 2,
                 mentions: ["--top-p", "(0, 1]"]),
        BadInput(name: "sample: negative temperature", program: "sample", arguments: ["--temperature", "-1"], status: 2,
                 mentions: ["--temperature", ">= 0"]),
        BadInput(name: "sample: non-numeric count", program: "sample", arguments: ["--max-new-tokens", "many"], status: 2,
                 mentions: ["--max-new-tokens", "expected an integer"]),
        BadInput(name: "tokenizer: unknown option", program: "tokenizer", arguments: ["encode", "--bogus"], status: 2,
                 mentions: ["--bogus"]),
        BadInput(name: "tokenizer: missing value", program: "tokenizer", arguments: ["train", "--corpus"], status: 2,
                 mentions: ["--corpus", "needs a value"]),
    ]

    @Test(arguments: flagCases) func badFlag(_ input: BadInput) throws { try input.check() }

    @Test func sampleBlockSizeLargerThanTheCheckpoints() throws {
        try BadInput(name: "block size", program: "sample",
                     arguments: ["--checkpoint", "out/model.safetensors", "--block-size", "17"], status: 2,
                     mentions: ["--block-size 17", "block_size 16"], setup: TrainedCheckpoint.copy).check()
    }

    static let tokenizerCases: [BadInput] = {
        let corrupt = Data(bpeFile.replacingOccurrences(of: "256 101", with: "256 e").utf8)
        let truncated = Data(bpeFile.replacingOccurrences(of: "256 101\n", with: "").utf8)
        let binary = Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 89 &+ 0x90) })
        var cases: [BadInput] = []
        for (name, contents, mention) in [("corrupt.model", corrupt, "merge 2"), ("truncated.model", truncated, "1 of 2 merges"),
                                          ("binary.model", binary, "not UTF-8"), ("empty.model", Data(), "empty")] {
            cases.append(BadInput(name: "tokenizer encode: \(name)", program: "tokenizer",
                                  arguments: ["encode", "--tokenizer", name], status: 1,
                                  mentions: [name, mention], setup: file(name, contents)))
            cases.append(BadInput(name: "train --tokenizer-file \(name)", program: "train",
                                  arguments: train(["--tokenizer", "bpe", "--tokenizer-file", name]), status: 2,
                                  mentions: ["--tokenizer-file", name, mention], setup: withCorpus(file(name, contents))))
        }
        cases.append(BadInput(name: "tokenizer train: vocab size below 256", program: "tokenizer",
                              arguments: ["train", "--corpus", "corpus.txt", "--vocab-size", "100", "--out", "tok.model"],
                              status: 2, mentions: ["--vocab-size", "256", "100"], setup: withCorpus()))
        cases.append(BadInput(name: "train: BPE vocab size below 256", program: "train",
                              arguments: train(["--tokenizer", "bpe", "--vocab-size", "100"]), status: 2,
                              mentions: ["--vocab-size", "256", "100"], setup: withCorpus()))
        cases.append(BadInput(name: "train: probe outside the vocabulary", program: "train",
                              arguments: train(["--probe", "Queen"]), status: 2,
                              mentions: ["--probe", "'Q'", "not in the vocabulary"], setup: withCorpus()))
        cases.append(BadInput(name: "sample: prompt outside the vocabulary", program: "sample",
                              arguments: ["--checkpoint", "out/model.safetensors", "--prompt", "Queen"], status: 2,
                              mentions: ["--prompt", "'Q'", "not in the vocabulary"], setup: TrainedCheckpoint.copy))
        return cases
    }()

    @Test(arguments: tokenizerCases) func badTokenizerOrPrompt(_ input: BadInput) throws { try input.check() }

    static let outputCases: [BadInput] = {
        var cases = [
            BadInput(name: "--out is a file", program: "train", arguments: tinyTrainFlags + ["--corpus", "corpus.txt", "--out", "corpus.txt"],
                     status: 2, mentions: ["--out corpus.txt", "is not a directory"], setup: withCorpus()),
            BadInput(name: "--out below a file", program: "train", arguments: tinyTrainFlags + ["--corpus", "corpus.txt", "--out", "corpus.txt/run"],
                     status: 2, mentions: ["--out corpus.txt/run", "corpus.txt is not a directory"], setup: withCorpus()),
            BadInput(name: "tokenizer --out is a directory", program: "tokenizer",
                     arguments: ["train", "--corpus", "corpus.txt", "--vocab-size", "260", "--out", "out"], status: 1,
                     mentions: ["out", "is a directory"],
                     setup: withCorpus { try FileManager.default.createDirectory(at: $0.appendingPathComponent("out"), withIntermediateDirectories: false) }),
        ]
        if FileManager.default.fileExists(atPath: "/dev/full") {
            cases.append(BadInput(name: "--out /dev/full", program: "train", arguments: tinyTrainFlags + ["--corpus", "corpus.txt", "--out", "/dev/full"],
                                  status: 2, mentions: ["--out /dev/full", "is not a directory"], setup: withCorpus()))
        }
        return cases
    }()

    @Test(arguments: outputCases) func badOutput(_ input: BadInput) throws { try input.check() }
}

/// Output that cannot be written: a read-only directory, a full device, a disk that fills up
/// in the middle of a checkpoint.
@Suite struct UnwritableOutputTests {
    @Test func readOnlyOutputDirectory() throws {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try withCorpus()(scratch)
        var readOnly = scratch.appendingPathComponent("read-only").path
        if geteuid() == 0 {
            // Root writes into a 0555 directory anyway; a read-only mount is a read-only
            // directory for root too.
            guard access("/proc/sys", W_OK) != 0 else {
                print("note: running as root and /proc/sys is writable: read-only directory case skipped")
                return
            }
            readOnly = "/proc/sys"
        } else {
            try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o555])
        }
        let before = snapshot(scratch)
        for out in [readOnly, readOnly + "/run"] {
            let result = runProgram("train", arguments: tinyTrainFlags + ["--corpus", "corpus.txt", "--out", out],
                                    currentDirectory: scratch)
            expectCleanFailure(result, status: 2, mentions: ["--out \(out)", "not writable"])
        }
        #expect(snapshot(scratch) == before)
        #expect(!FileManager.default.fileExists(atPath: readOnly + "/run"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func fullDevice() throws {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try TrainedCheckpoint.copy(to: scratch)
        // A file path on a device: refused, and the device node itself is left alone (an
        // atomic rename over it would replace /dev/full with a regular file).
        let tokenizerOut = runProgram("tokenizer", arguments: ["train", "--corpus", "corpus.txt", "--vocab-size", "260",
                                                              "--out", "/dev/full"], currentDirectory: scratch)
        expectCleanFailure(tokenizerOut, status: 1, mentions: ["/dev/full", "not a regular file"])
        let attributes = try FileManager.default.attributesOfItem(atPath: "/dev/full")
        #expect(attributes[.type] as? FileAttributeType == .typeCharacterSpecial)
        // Standard output on a full device: the text is lost, so the status must say so.
        let sample = runWithStandardOutputFull("sample", arguments: ["--checkpoint", "out/model.safetensors",
                                                                     "--max-new-tokens", "4"], currentDirectory: scratch)
        expectCleanFailure(sample, status: 1, mentions: ["standard output", "No space left on device"])
        try Data(bpeFile.utf8).write(to: scratch.appendingPathComponent("tok.model"))
        let encoded = runWithStandardOutputFull("tokenizer", arguments: ["encode", "--tokenizer", "tok.model", "--file", "corpus.txt"],
                                                currentDirectory: scratch)
        expectCleanFailure(encoded, status: 1, mentions: ["standard output", "No space left on device"])
    }

    /// `train` under a file-size limit of a few KB (with SIGXFSZ ignored, a write past the
    /// limit fails with EFBIG): the disk "fills up" in the middle of the first checkpoint.
    func trainWithFileSizeLimit(_ arguments: [String], in directory: URL) -> ProgramResult {
        guard let train = builtProgramURL("train") else { return (127, "", "no train\n") }
        return runProgram("/bin/sh", arguments: ["-c", "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"", train.path] + arguments,
                          currentDirectory: directory)
    }

    @Test func diskFullDuringTheFirstCheckpointLeavesNoFile() throws {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try withCorpus()(scratch)
        let result = trainWithFileSizeLimit(train(), in: scratch)
        expectCleanFailure(result, status: 1, mentions: ["out/model.safetensors", "File too large"])
        // The directory was created (the inputs were good), but holds nothing, not even a temp file.
        #expect(snapshot(scratch.appendingPathComponent("out")).isEmpty)
    }

    @Test func diskFullOnResumeKeepsTheLastCheckpoint() throws {
        let scratch = makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try TrainedCheckpoint.copy(to: scratch)
        let before = snapshot(scratch)
        // Resume at step 4 towards 8: the checkpoint at step 6 cannot be written.
        let result = trainWithFileSizeLimit(train(["--resume", "--max-iters", "8"]), in: scratch)
        expectCleanFailure(result, status: 1, mentions: ["model.safetensors", "File too large",
                                                         "the last good checkpoint (step 4) is kept in out"])
        #expect(snapshot(scratch) == before)
    }
}

// The `tokenizer` program: argument parsing, every command run through the library with
// files in a scratch directory, and the built binary's exit codes and one-line errors.

import Foundation
import Testing
@testable import TapestryText

@Suite struct TokenizerCommandLineTests {
    func parse(_ line: String) throws(UsageError) -> TokenizerCommand {
        try TokenizerCommandLine.parse(line.split(separator: " ").map(String.init))
    }

    func usageError(_ line: String) -> String? {
        do { _ = try parse(line); return nil } catch { return error.message }
    }

    @Test func bothOptionSpellingsParse() throws {
        let expected = TokenizerCommand.train(TrainOptions(corpusPath: "c.txt", vocabularySize: 512, outputPath: "t.model",
                                                           specialTokenNames: ["<|a|>", "<|b|>"], quiet: true))
        #expect(try parse("train --corpus c.txt --vocab-size 512 --out t.model --special <|a|> --special <|b|> --quiet") == expected)
        #expect(try parse("train --corpus=c.txt --vocab-size=512 --out=t.model --special=<|a|> --special=<|b|> --quiet") == expected)
        #expect(try parse("train --corpus c.txt --out t.model") == .train(TrainOptions(corpusPath: "c.txt", outputPath: "t.model")))
        #expect(try parse("encode --tokenizer t.model --file in.txt --special-tokens allow")
                == .encode(EncodeOptions(tokenizerPath: "t.model", inputPath: "in.txt", specialTokens: .allowed)))
        #expect(try parse("decode --tokenizer=t.model") == .decode(DecodeOptions(tokenizerPath: "t.model", inputPath: nil)))
        #expect(try TokenizerCommandLine.parse(["show", "--tokenizer", "t.model", "--", "--not an option"])
                == .show(ShowOptions(tokenizerPath: "t.model", text: "--not an option")))
    }

    @Test func helpIsACommand() throws {
        #expect(try parse("--help") == .help(TokenizerCommandLine.usage))
        guard case .help(let text) = try parse("train --help") else { Issue.record("no help"); return }
        #expect(text.contains("--vocab-size N"))
    }

    @Test func mistakesAreOneLineUsageErrors() {
        let cases: [(String, String)] = [
            ("", "missing command (train, encode, decode or show); see 'tokenizer --help'"),
            ("fly", "unknown command 'fly' (expected train, encode, decode or show); see 'tokenizer --help'"),
            ("train --corpus c --out t --vocab 5", "unknown option '--vocab' for 'tokenizer train'; see 'tokenizer train --help'"),
            ("train --corpus c --out t -v", "malformed option '-v' for 'tokenizer train' (options look like --name value); see 'tokenizer train --help'"),
            ("train --corpus c --out t --vocab-size abc", "--vocab-size expects a positive integer, got 'abc'"),
            ("train --corpus c --out t --vocab-size", "option --vocab-size needs a value"),
            ("train --out t", "'tokenizer train' needs --corpus"),
            ("train --corpus c --out t --quiet=yes", "option --quiet takes no value"),
            ("train --corpus c --out t extra", "unexpected argument 'extra' for 'tokenizer train'"),
            ("encode --tokenizer t --special-tokens maybe", "--special-tokens expects allow, text or forbid, got 'maybe'"),
            ("show --tokenizer t", "show expects one TEXT argument, got 0; quote the text"),
        ]
        for (line, message) in cases {
            #expect(usageError(line) == message, "for '\(line)'")
        }
    }
}

@Suite struct TokenizerProgramTests {
    /// Runs a command line through the library: (stdout, log lines).
    func run(_ arguments: [String], input: [UInt8] = []) throws -> (output: [UInt8], log: [String]) {
        var log: [String] = []
        let output = try TokenizerProgram.run(try TokenizerCommandLine.parse(arguments),
                                              readStandardInput: { () throws(TextError) in input }, log: { log.append($0) })
        return (output, log)
    }

    func trainSmallModel(in directory: String) throws -> String {
        let corpus = directory + "/corpus.txt"
        try TextTestSupport.write(String(TextTestSupport.shakespeare.prefix(20_000)), to: corpus)
        let model = directory + "/tok.model"
        let (output, log) = try run(["train", "--corpus", corpus, "--vocab-size", "400", "--out", model, "--special", "<|endoftext|>"])
        let summary = String(decoding: output, as: UTF8.self)
        #expect(summary.hasPrefix("trained 143 merges on 20000 bytes in "))
        #expect(summary.hasSuffix("wrote \(model) and \(directory)/tok.vocab (vocabulary 400)\n"))
        #expect(log.isEmpty)   // fewer than 1,000 merges: no progress lines
        return model
    }

    @Test func trainEncodeDecodeRoundTripTheExactBytes() throws {
        let directory = try TextTestSupport.scratchDirectory()
        let model = try trainSmallModel(in: directory)
        let text = "Ay, marry, is't: but to my mind,—though I am native here 👍🏽\r\n"
        let encoded = try run(["encode", "--tokenizer", model], input: Array(text.utf8)).output
        let ids = try TokenizerProgram.parseIDs(encoded, name: "x")
        #expect(ids == (try (TokenizerFile.load(path: model) as! BPETokenizer).encode(text)))
        #expect(encoded.last == 10 && !encoded.dropLast().contains(10))   // one line of ids
        #expect(try run(["decode", "--tokenizer", model], input: encoded).output == Array(text.utf8))
        // --file instead of standard input.
        try TextTestSupport.write(text, to: directory + "/in.txt")
        #expect(try run(["encode", "--tokenizer", model, "--file", directory + "/in.txt"]).output == encoded)
    }

    @Test func specialTokensOnTheCommandLine() throws {
        let model = try trainSmallModel(in: try TextTestSupport.scratchDirectory())
        let input = Array("a<|endoftext|>".utf8)
        #expect(try run(["encode", "--tokenizer", model, "--special-tokens", "allow"], input: input).output == Array("97 399\n".utf8))
        #expect(throws: TextError.specialTokenInText(name: "<|endoftext|>", byteOffset: 1)) {
            try run(["encode", "--tokenizer", model], input: input)
        }
        let asText = try run(["encode", "--tokenizer", model, "--special-tokens", "text"], input: input).output
        #expect(try run(["decode", "--tokenizer", model], input: asText).output == input)
    }

    @Test func showPrintsTheMergeSteps() throws {
        let model = try trainSmallModel(in: try TextTestSupport.scratchDirectory())
        let tokenizer = try TokenizerFile.load(path: model) as! BPETokenizer
        let report = String(decoding: try run(["show", "--tokenizer", model, "the king"]).output, as: UTF8.self)
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "\"the king\": 8 bytes, 2 chunks (gpt4 pre-tokenizer)")
        #expect(lines.contains("chunk 2: \" king\""))
        #expect(lines.contains("  bytes      [ ] [k] [i] [n] [g]"))
        #expect(lines.contains { $0.hasPrefix("  merge 1    ") })
        let ids = try tokenizer.encode("the king")
        #expect(lines.contains("result: \(ids.count) tokens: " + ids.map(String.init).joined(separator: " ")))
    }

    @Test func badInputsAreOneLineErrorsNamingTheSource() throws {
        let directory = try TextTestSupport.scratchDirectory()
        let model = try trainSmallModel(in: directory)
        let cases: [([String], [UInt8], String)] = [
            (["decode", "--tokenizer", model], Array("12 x7 3".utf8), "stdin: 'x7' at byte 3 (token 2) is not a token id"),
            (["decode", "--tokenizer", model], Array("12 99999999999 3".utf8), "stdin: '99999999999' at byte 3 (token 2) is not a token id"),
            (["decode", "--tokenizer", model], Array("1 2 400".utf8), "stdin: token id 400 at position 2 is not in the vocabulary (size 400) of \(model)"),
            (["encode", "--tokenizer", model], [0x61, 0xFF], "stdin: not UTF-8 text (invalid byte at offset 1); is it a binary file?"),
            (["encode", "--tokenizer", directory + "/none.model"], [], "\(directory)/none.model: no such file"),
            (["train", "--corpus", directory + "/corpus.txt", "--vocab-size", "100", "--out", directory + "/x.model"], [],
             "--vocab-size must be at least 256 (one id per byte value), got 100"),
            (["train", "--corpus", directory, "--out", directory + "/x.model"], [], "\(directory): is a directory, expected a file"),
            (["train", "--corpus", directory + "/corpus.txt", "--out", directory + "/no/such/dir/x.model"], [],
             "\(directory)/no/such/dir/x.model: cannot write: No such file or directory"),
        ]
        for (arguments, input, message) in cases {
            do {
                _ = try run(arguments, input: input)
                Issue.record("no error for \(arguments)")
            } catch {
                #expect("\(error)" == message)
            }
        }
    }

    @Test func largeVocabulariesPrintProgress() throws {
        let directory = try TextTestSupport.scratchDirectory()
        try TextTestSupport.write(String(TextTestSupport.shakespeare.prefix(300_000)), to: directory + "/c.txt")
        let (_, log) = try run(["train", "--corpus", directory + "/c.txt", "--vocab-size", "1256", "--out", directory + "/t.model"])
        #expect(log.count == 10)
        #expect(log.first?.hasPrefix("merge 100/1000: (") == true)
        #expect(log.last?.hasPrefix("merge 1000/1000: (") == true)
    }
}

@Suite struct TokenizerBinaryTests {
    /// The built `tokenizer` program, beside the test bundle.
    static let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("tokenizer").path

    func execute(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func exitCodesAndOneLineErrors() throws {
        let help = try execute(["--help"])
        #expect(help.status == 0 && help.stdout.hasPrefix("usage: tokenizer <command>"))
        let usage = try execute(["train", "--bogus"])
        #expect(usage.status == 2)
        #expect(usage.stderr == "error: tokenizer: unknown option '--bogus' for 'tokenizer train'; see 'tokenizer train --help'\n")
        let missing = try execute(["encode", "--tokenizer", "/nonexistent/tok.model"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: tokenizer: /nonexistent/tok.model: no such file\n")
    }
}

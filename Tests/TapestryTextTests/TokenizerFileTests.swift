// Tokenizer files: save and load, serialization for checkpoint metadata, one-line errors
// naming the file and the line, the .vocab listing, and a fuzz test of the loader.

import Foundation
import Testing
@testable import TapestryText

@Suite struct TokenizerFileTests {
    let tokenizer = TextTestSupport.trained

    @Test func saveAndLoadGiveTheSameTokenizer() throws {
        let directory = try TextTestSupport.scratchDirectory()
        let vocabularyPath = try tokenizer.save(modelPath: directory + "/tok.model")
        #expect(vocabularyPath == directory + "/tok.vocab")
        let loaded = try TokenizerFile.load(path: directory + "/tok.model")
        #expect(loaded.kind == .bpe)
        #expect(loaded as? BPETokenizer == tokenizer)
        let text = "To be, or not to be<|endoftext|>"
        #expect(try (loaded as! BPETokenizer).encode(text, specialTokens: .allowed) == tokenizer.encode(text, specialTokens: .allowed))
        // No temporary files are left behind by the atomic writes.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["tok.model", "tok.vocab"])
    }

    @Test func modelFileFormatIsTheDocumentedOne() throws {
        let small = try BPETokenizer.train(text: "aaabdaaabac", vocabularySize: 260, specialTokenNames: ["<|endoftext|>"])
        #expect(small.serialized() == """
            tapestry-bpe v1
            pretokenizer gpt4
            specials 1
            259 <|endoftext|>
            merges 3
            97 97
            97 98
            256 257

            """)
    }

    @Test func bothKindsRoundTripThroughOneString() throws {
        // What a checkpoint's metadata holds: one string per tokenizer.
        let char = try CharTokenizer(corpus: "hello, world\n")
        let tokenizers: [any Tokenizer] = [tokenizer, char]
        for original in tokenizers {
            let restored = try TokenizerFile.deserialize(original.serialized(), source: "checkpoint metadata")
            #expect(restored.kind == original.kind)
            #expect(restored.vocabularySize == original.vocabularySize)
            #expect(try restored.encode("hello world") == original.encode("hello world"))
            #expect(restored.serialized() == original.serialized())
        }
    }

    @Test func vocabularyListingShowsBytesAndParts() {
        let listing = tokenizer.vocabularyListing()
        let lines = listing.split(separator: "\n")
        #expect(lines.count == 2 + 1026)
        #expect(lines.contains("10    [\\n]"))
        let first = tokenizer.merges[0]
        let expected = "256   [\(BPETokenizer.displayed(tokenizer.bytes(of: 256)!))]"
        #expect(lines[2 + 256].hasPrefix(expected))
        #expect(lines[2 + 256].hasSuffix("= [\(BPETokenizer.displayed([UInt8(first.left)]))] + [\(BPETokenizer.displayed([UInt8(first.right)]))]"))
        #expect(lines.last == "1025  <|pad|>   special")
        #expect(BPETokenizer.displayed(Array("€".utf8).dropLast().map { $0 }) == "\\xE2\\x82")
        #expect(BPETokenizer.displayed(Array("a\tb\u{7}é".utf8)) == "a\\tb\\u{7}é")
        #expect(BPETokenizer.vocabularyListingPath(forModelPath: "dir.v2/tok") == "dir.v2/tok.vocab")
        #expect(BPETokenizer.vocabularyListingPath(forModelPath: "out/tok.model") == "out/tok.vocab")
    }

    /// Loads `text` as a model file named "t.model" and returns the error's one line.
    func loadError(_ text: String) -> String? {
        do {
            _ = try TokenizerFile.deserialize(text, source: "t.model")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func badFilesNameTheFileAndTheLine() {
        let good = "tapestry-bpe v1\npretokenizer gpt4\nspecials 1\n259 <|end|>\nmerges 3\n97 97\n97 98\n256 257\n"
        #expect(loadError(good) == nil)
        #expect(loadError("tapestry-bpe v1\r\npretokenizer gpt4\r\nspecials 0\r\nmerges 0\r\n") == nil)   // CRLF is fine
        let cases: [(String, String)] = [
            ("", "t.model:1: expected 'tapestry-bpe v1' or 'tapestry-char v1', found ''"),
            ("tapestry-bpe v2\n", "t.model:1: expected 'tapestry-bpe v1' or 'tapestry-char v1', found 'tapestry-bpe v2'"),
            ("tapestry-bpe v1\n", "t.model:2: the file ends where 'pretokenizer NAME' was expected"),
            ("tapestry-bpe v1\npretokenizer gpt2\n", "t.model:2: unknown pre-tokenizer 'gpt2' (known: gpt4)"),
            ("tapestry-bpe v1\npretokenizer gpt4\nspecials x\n", "t.model:3: expected 'specials COUNT' with COUNT in 0...10000, found 'specials x'"),
            ("tapestry-bpe v1\npretokenizer gpt4\nspecials 1\n", "t.model:4: the file ends where special token 1 of 1 ('ID NAME') was expected"),
            (good.replacingOccurrences(of: "259 <|end|>", with: "100 <|end|>"),
             "t.model:4: special token <|end|> has id 100; special ids start at 259 (after the bytes and merges) and stay below 2^31 - 1"),
            (good.replacingOccurrences(of: "merges 3", with: "merges 4"), "t.model:9: the file ends after 3 of 4 merges (truncated?)"),
            (good.replacingOccurrences(of: "256 257", with: "256 259"), "t.model:8: merge 3 uses token 259, which does not exist before token 258"),
            (good.replacingOccurrences(of: "97 98\n", with: "97 97\n"), "t.model:7: merge 2 (97 97) is listed twice"),
            (good.replacingOccurrences(of: "97 98\n", with: "97 98 99\n"), "t.model:7: expected merge 2 as 'LEFT RIGHT', found '97 98 99'"),
            (good.replacingOccurrences(of: "97 98\n", with: "97 -1\n"), "t.model:7: merge 2 uses token -1, which does not exist before token 257"),
            (good + "1 2\n", "t.model:9: unexpected text after the 3 merges: '1 2'"),
            ("tapestry-char v1\nvocabulary 2\n0061\n", "t.model:3: expected 2 code points, found 1"),
            ("tapestry-char v1\nvocabulary 2\n0061 D800\n", "t.model:3: code point 2 is not a hexadecimal Unicode scalar: 'D800'"),
            ("tapestry-char v1\nvocabulary 2\n0061 0061\n", "t.model:3: the vocabulary lists 'a' (U+0061) twice"),
        ]
        for (text, expected) in cases {
            #expect(loadError(text) == expected, "for \(text.debugDescription)")
        }
    }

    @Test func fileErrorsNameThePath() throws {
        let directory = try TextTestSupport.scratchDirectory()
        #expect(throws: TextError.fileNotFound(path: directory + "/missing.model")) {
            try TokenizerFile.load(path: directory + "/missing.model")
        }
        #expect(throws: TextError.isDirectory(path: directory)) { try TokenizerFile.load(path: directory) }
        try Data([0x74, 0xFF, 0x00]).write(to: URL(fileURLWithPath: directory + "/binary.model"))
        #expect(throws: TextError.notUTF8(path: directory + "/binary.model", byteOffset: 1)) {
            try TokenizerFile.load(path: directory + "/binary.model")
        }
    }

    @Test func fuzzedFilesAreRejectedOrLoadedNeverACrash() throws {
        // 4,000 mutations of a valid file (seed 12345): flipped bytes, deleted and repeated
        // lines, truncation, inserted digits, and extreme numbers. Each must either load (and
        // then round-trip a string) or fail with one line that names the file.
        let valid = try BPETokenizer.train(text: String(TextTestSupport.shakespeare.prefix(5000)), vocabularySize: 300,
                                           specialTokenNames: ["<|endoftext|>"]).serialized()
        var generator = SplitMix64(seed: 12345)
        var (loaded, rejected) = (0, 0)
        for _ in 0..<4000 {
            let bytes = mutate(Array(valid.utf8), &generator)
            do {
                let text = try TextFile.decodeUTF8(bytes, name: "fuzz.model")
                let tokenizer = try TokenizerFile.deserialize(text, source: "fuzz.model")
                let sample = "Hello, wörld 42 👍🏽\n"
                let ids = try (tokenizer as? BPETokenizer)?.encode(sample, specialTokens: .ordinaryText) ?? tokenizer.encode(sample)
                #expect(Array(tokenizer.decode(ids).utf8) == Array(sample.utf8))
                loaded += 1
            } catch {
                let message = "\(error)"
                #expect(message.hasPrefix("fuzz.model") && !message.contains("\n"), "\(message)")
                rejected += 1
            }
        }
        #expect(loaded > 100 && rejected > 1000)   // both outcomes are exercised
    }

    func mutate(_ original: [UInt8], _ generator: inout SplitMix64) -> [UInt8] {
        var bytes = original
        for _ in 0..<(1 + generator.next(below: 3)) {
            guard !bytes.isEmpty else { break }
            let at = generator.next(below: bytes.count)
            switch generator.next(below: 8) {
            case 0: bytes[at] = UInt8(generator.next(below: 256))                          // any byte
            case 1: bytes[at] = Array("0123456789 \n-".utf8)[generator.next(below: 13)]   // plausible byte
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + generator.next(below: 20)))
            case 3: bytes = Array(bytes[..<at])                                            // truncate
            case 4: bytes.insert(contentsOf: Array(String(generator.next(below: 100_000)).utf8), at: at)
            case 5: bytes.insert(contentsOf: Array(["99999999999999999999", "-5", "2147483647", "0"][generator.next(below: 4)].utf8), at: at)
            case 6:                                                                        // repeat a line
                let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
                let line = lines[generator.next(below: lines.count)]
                bytes.insert(contentsOf: Array(line) + [10], at: at)
            default:                                                                       // drop a line
                var lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
                lines.remove(at: generator.next(below: lines.count))
                bytes = Array(lines.joined(separator: [10]))
            }
        }
        return bytes
    }
}

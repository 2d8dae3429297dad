// The character-level tokenizer (nanoGPT's) and corpus loading and splitting.

import Foundation
import Testing
@testable import TapestryText

@Suite struct CharTokenizerTests {
    @Test func vocabularyIsTheSortedDistinctScalars() throws {
        let tokenizer = try CharTokenizer(corpus: "hello")
        #expect(tokenizer.vocabulary == ["e", "h", "l", "o"])
        #expect(tokenizer.vocabularySize == 4)
        #expect(try tokenizer.encode("hell") == [1, 0, 2, 2])
        #expect(tokenizer.decode([2, 3]) == "lo")
    }

    @Test func scalarsNotGraphemeClusters() throws {
        // "é" written as e + U+0301 is one Swift Character but two Python str characters.
        let tokenizer = try CharTokenizer(corpus: "e\u{301}!")
        #expect(tokenizer.vocabulary == ["!", "e", "\u{301}"])
        #expect(try tokenizer.encode("e\u{301}") == [1, 2])
    }

    @Test func shakespeareVocabularyMatchesPythonsSortedSet() throws {
        // nanoGPT: chars = sorted(list(set(data))). The corpus is ASCII, so the expected
        // vocabulary is every byte value that occurs, in increasing order.
        let text = TextTestSupport.shakespeare
        let tokenizer = try CharTokenizer(corpus: text)
        let expected = Set(text.utf8).sorted().map { Unicode.Scalar($0) }
        #expect(tokenizer.vocabulary == expected)
        let ids = try tokenizer.encode(text)
        #expect(ids.count == text.unicodeScalars.count)
        #expect(tokenizer.decode(ids) == text)
    }

    @Test func unknownCharacterNamesItAndItsPosition() throws {
        let tokenizer = try CharTokenizer(corpus: "abc")
        #expect(throws: TextError.outOfVocabulary(character: "Z", position: 2)) { try tokenizer.encode("abZc") }
        do {
            _ = try tokenizer.encode("ab\n")
            Issue.record("encoded a character outside the vocabulary")
        } catch {
            #expect(error.description == "character '\\n' (U+000A) at position 2 is not in the vocabulary")
        }
        #expect(tokenizer.decode([0, 7]) == "a\u{FFFD}")
        #expect(throws: TextError.unknownTokenID(id: 7, position: 1, vocabularySize: 3)) { try tokenizer.decodeBytes([0, 7]) }
    }

    @Test func emptyOrRepeatedVocabularyIsAnError() {
        #expect(throws: TextError.self) { try CharTokenizer(corpus: "") }
        #expect(throws: TextError.self) { try CharTokenizer(vocabulary: ["a", "b", "a"]) }
    }

    @Test func serializationListsTheCodePoints() throws {
        let tokenizer = try CharTokenizer(corpus: "a\n😀")
        #expect(tokenizer.serialized() == "tapestry-char v1\nvocabulary 3\n000A 0061 1F600\n")
        #expect(try CharTokenizer(serialized: tokenizer.serialized(), source: "x") == tokenizer)
    }
}

@Suite struct CorpusTests {
    @Test func loadErrorsAreOneLineNamingThePath() throws {
        let directory = try TextTestSupport.scratchDirectory()
        let cases: [(String, Data?, String)] = [
            ("missing.txt", nil, "missing.txt: no such file"),
            ("empty.txt", Data(), "empty.txt: the file is empty"),
            ("model.bin", Data([0x54, 0x61, 0x70, 0xC3, 0x28, 0x00]), "model.bin: not UTF-8 text (invalid byte at offset 3); is it a binary file?"),
        ]
        for (name, contents, message) in cases {
            let path = directory + "/" + name
            if let contents { try contents.write(to: URL(fileURLWithPath: path)) }
            do {
                _ = try Corpus.load(path: path)
                Issue.record("\(name) loaded")
            } catch {
                #expect(error.description == directory + "/" + message)
            }
        }
        #expect(throws: TextError.isDirectory(path: directory)) { try Corpus.load(path: directory) }
        #expect(TextError.isDirectory(path: "data").description == "data: is a directory, expected a file")
    }

    @Test func loadsUTF8Text() throws {
        let path = try TextTestSupport.scratchDirectory() + "/ok.txt"
        try TextTestSupport.write("héllo 👍\n", to: path)
        #expect(try Corpus.load(path: path) == "héllo 👍\n")
    }

    @Test func utf8ValidationFollowsTheStandard() {
        #expect(TextFile.firstInvalidUTF8Offset(Array("aé€😀".utf8)) == nil)
        #expect(TextFile.firstInvalidUTF8Offset([0x61, 0xC0, 0xAF]) == 1)        // overlong "/"
        #expect(TextFile.firstInvalidUTF8Offset([0xED, 0xA0, 0x80]) == 0)        // surrogate U+D800
        #expect(TextFile.firstInvalidUTF8Offset([0xF4, 0x90, 0x80, 0x80]) == 0)  // above U+10FFFF
        #expect(TextFile.firstInvalidUTF8Offset([0x61, 0xE2, 0x82]) == 1)        // truncated "€"
        #expect(TextFile.firstInvalidUTF8Offset([0x80]) == 0)                    // lone continuation
    }

    @Test func splitIsNanoGPTsNinetyTen() {
        let (train, val) = Corpus.split(tokens: Array(0..<1000))
        #expect(train == Array(0..<900))
        #expect(val == Array(900..<1000))
        // n = Int(0.9 * 7) = 6
        let small = Corpus.split(tokens: Array(0..<7))
        #expect(small.train.count == 6 && small.val == [6])
        #expect(Corpus.split(tokens: []).train.isEmpty)
    }
}

// BPE training: the minbpe worked example, a plain Python reference trainer
// (Fixtures/bpe_reference.json), the tie-break, special token ids, errors and progress.

import Testing
@testable import TapestryText

@Suite struct BPETrainingTests {
    @Test func minbpeWorkedExample() throws {
        // "aaabdaaabac" with 3 merges: aa -> 256, ab -> 257, (256 257) -> 258 (Wikipedia's
        // Z, Y, X), and the text becomes X d X a c.
        let tokenizer = try BPETokenizer.train(text: "aaabdaaabac", vocabularySize: 256 + 3)
        #expect(tokenizer.merges == [.init(97, 97), .init(97, 98), .init(256, 257)])
        #expect(try tokenizer.encode("aaabdaaabac") == [258, 100, 258, 97, 99])
        #expect(tokenizer.decode([258, 100, 258, 97, 99]) == "aaabdaaabac")
    }

    struct Reference: Decodable {
        let corpus_characters: Int
        let vocab_size: Int
        let merges: [[Int]]
        let samples: [Sample]
        struct Sample: Decodable { let text: String; let ids: [Int] }
    }

    @Test func incrementalTrainingMatchesPlainRecountingReference() throws {
        // The Python reference recounts every pair over all chunks for every merge, with the
        // same tie-break; the incremental trainer must learn exactly the same merges.
        let reference = try TextTestSupport.fixture("bpe_reference.json", as: Reference.self)
        let corpus = String(TextTestSupport.shakespeare.unicodeScalars.prefix(reference.corpus_characters))
        let tokenizer = try BPETokenizer.train(text: corpus, vocabularySize: reference.vocab_size)
        #expect(tokenizer.merges.count == reference.merges.count)
        #expect(tokenizer.merges.map { [$0.left, $0.right] } == reference.merges)
        for sample in reference.samples {
            #expect(try tokenizer.encode(sample.text) == sample.ids)
        }
    }

    @Test func tieBreakPrefersTheSmallestPair() throws {
        // "ab" and "cd" both occur twice (newlines are chunks of their own, so they add no
        // pairs); (97, 98) < (99, 100), so "ab" is merged first.
        let tokenizer = try BPETokenizer.train(text: "cd\nab\ncd\nab", vocabularySize: 257)
        #expect(tokenizer.merges == [.init(97, 98)])
        // Counts still come first: "cd" three times beats "ab" twice.
        let byCount = try BPETokenizer.train(text: "ab\ncd\ncd\nab\ncd", vocabularySize: 257)
        #expect(byCount.merges == [.init(99, 100)])
    }

    @Test func overlappingPairsAreCountedAsMerged() throws {
        // "aaaa" holds (a, a) three times but only two merges fit; after the first merge
        // the word is [256, 256], so the second merge must be (256, 256) = "aaaa".
        let tokenizer = try BPETokenizer.train(text: "aaaa", vocabularySize: 258)
        #expect(tokenizer.merges == [.init(97, 97), .init(256, 256)])
        #expect(try tokenizer.encode("aaaa") == [257])
        #expect(try tokenizer.encode("aaaaa") == [257, 97])
    }

    @Test func trainingIsDeterministic() throws {
        let text = String(TextTestSupport.shakespeare.unicodeScalars.prefix(30_000))
        let first = try BPETokenizer.train(text: text, vocabularySize: 600)
        let second = try BPETokenizer.train(text: text, vocabularySize: 600)
        #expect(first.serialized() == second.serialized())
    }

    @Test func specialTokensFollowTheMerges() throws {
        let tokenizer = TextTestSupport.trained
        #expect(tokenizer.merges.count == 1026 - 256 - 2)
        #expect(tokenizer.specialTokens == [.init(name: "<|endoftext|>", id: 1024), .init(name: "<|pad|>", id: 1025)])
        #expect(tokenizer.vocabularySize == 1026)
    }

    @Test func impossibleVocabularySizesAreErrors() {
        #expect(throws: TextError.invalidVocabulary(reason: "vocabulary size 3000000000 is above the maximum 2^31 - 1")) {
            try BPETokenizer.train(text: "hello", vocabularySize: 3_000_000_000)
        }
        #expect(throws: TextError.invalidVocabulary(reason: "vocabulary size 100 is below 256 (the byte values)")) {
            try BPETokenizer.train(text: "hello", vocabularySize: 100)
        }
        #expect(throws: TextError.self) {
            try BPETokenizer.train(text: "hello", vocabularySize: 256, specialTokenNames: ["<|endoftext|>"])
        }
    }

    @Test func trainingStopsWhenEveryChunkIsOneToken() throws {
        // "ab ab" has the chunks "ab" and " ab": (a, b) -> 256, then (" ", 256) -> 257, and
        // no pair is left.
        let tokenizer = try BPETokenizer.train(text: "ab ab", vocabularySize: 1000, specialTokenNames: ["<|x|>"])
        #expect(tokenizer.merges == [.init(97, 98), .init(32, 256)])
        #expect(tokenizer.specialTokens == [.init(name: "<|x|>", id: 258)])
        #expect(tokenizer.vocabularySize == 259)
    }

    @Test func progressIsReportedAtTheInterval() throws {
        var reports: [BPETrainingProgress] = []
        let text = String(TextTestSupport.shakespeare.unicodeScalars.prefix(20_000))
        let tokenizer = try BPETokenizer.train(text: text, vocabularySize: 256 + 250, progressInterval: 100) { reports.append($0) }
        #expect(reports.map(\.mergesDone) == [100, 200, 250])
        let last = try #require(reports.last)
        #expect(last.lastToken == 505)
        #expect(last.lastTokenBytes == tokenizer.bytes(of: 505))
        #expect(last.lastMerge == tokenizer.merges.last)
    }
}

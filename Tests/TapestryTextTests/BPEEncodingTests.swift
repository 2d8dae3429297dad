// BPE encoding and decoding: the round trip on random Unicode, the fast (heap) encoder
// against the plain step-by-step loop, special token policies, and unknown ids.

import Testing
@testable import TapestryText

@Suite struct BPEEncodingTests {
    let tokenizer = TextTestSupport.trained

    @Test func roundTripOnTenThousandRandomStrings() throws {
        // decode(encode(s)) == s, compared as bytes (String's == would forgive a change of
        // Unicode normalization). Special tokens in the text are taken as ids (.allowed) and
        // as text (.ordinaryText): both must round-trip.
        var generator = SplitMix64(seed: 2024)
        for index in 0..<10_000 {
            let text = TextTestSupport.randomString(&generator)
            let policy: SpecialTokenPolicy = index % 2 == 0 ? .allowed : .ordinaryText
            let ids = try tokenizer.encode(text, specialTokens: policy)
            #expect(ids.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) })
            let bytes = try tokenizer.decodeBytes(ids)
            if bytes != Array(text.utf8) {
                Issue.record("round trip failed for \(text.debugDescription): ids \(ids)")
                return
            }
            #expect(Array(tokenizer.decode(ids).utf8) == Array(text.utf8))
        }
    }

    @Test func heapEncoderMatchesThePlainLoop() throws {
        var generator = SplitMix64(seed: 99)
        for _ in 0..<2000 {
            let text = TextTestSupport.randomString(&generator)
            #expect(try tokenizer.encode(text, specialTokens: .ordinaryText) == tokenizer.encodeStepByStep(text))
        }
        // Held-out Shakespeare (the tokenizer saw the first 200,000 characters).
        let prose = String(TextTestSupport.shakespeare.unicodeScalars.dropFirst(500_000).prefix(30_000))
        #expect(try tokenizer.encode(prose) == tokenizer.encodeStepByStep(prose))
    }

    @Test func everyTokenIsTheBytesOfItsTwoParts() {
        for (index, merge) in tokenizer.merges.enumerated() {
            #expect(tokenizer.bytes(of: 256 + index) == tokenizer.bytes(of: merge.left)! + tokenizer.bytes(of: merge.right)!)
        }
        #expect(tokenizer.bytes(of: 65) == [65])
        #expect(tokenizer.bytes(of: 1024) == Array("<|endoftext|>".utf8))
        #expect(tokenizer.bytes(of: 5000) == nil)
    }

    @Test func aVeryLongChunkEncodesInOnePass() throws {
        // 60,000 letters form ONE chunk; the O(n^2) loop would need about 10^9 steps.
        let text = String(repeating: "the", count: 20_000)
        let ids = try tokenizer.encode(text)
        #expect(ids.count < 30_000)
        #expect(tokenizer.decode(ids) == text)
    }

    @Test func specialTokensAreRecognizedOnlyWhenAllowed() throws {
        let text = "Hello<|endoftext|>World<|pad|>"
        let allowed = try tokenizer.encode(text, specialTokens: .allowed)
        #expect(allowed == (try tokenizer.encode("Hello")) + [1024] + (try tokenizer.encode("World")) + [1025])
        let asText = try tokenizer.encode(text, specialTokens: .ordinaryText)
        #expect(!asText.contains(1024) && !asText.contains(1025))
        #expect(tokenizer.decode(asText) == text)
        #expect(throws: TextError.specialTokenInText(name: "<|endoftext|>", byteOffset: 5)) {
            try tokenizer.encode(text, specialTokens: .forbidden)
        }
        // The protocol's encode(_:) does not choose silently either.
        let generic: any Tokenizer = tokenizer
        #expect(throws: TextError.self) { try generic.encode(text) }
    }

    @Test func theLongestSpecialTokenWinsAtAPosition() throws {
        let base = try BPETokenizer(merges: [])
        let tokenizer = try base.addingSpecialTokens([.init(name: "<|end|>", id: 300), .init(name: "<|end|>!", id: 301)])
        #expect(try tokenizer.encode("a<|end|>!<|end|>", specialTokens: .allowed) == [97, 301, 300])
        #expect(tokenizer.vocabularySize == 302)
        #expect(tokenizer.decode([97, 301, 300]) == "a<|end|>!<|end|>")
    }

    @Test func unknownIDsDecodeToReplacementOrThrow() {
        #expect(tokenizer.decode([72, 9999, 105]) == "H\u{FFFD}i")
        #expect(throws: TextError.unknownTokenID(id: 9999, position: 1, vocabularySize: 1026)) {
            try tokenizer.decodeBytes([72, 9999, 105])
        }
        #expect(throws: TextError.unknownTokenID(id: -1, position: 0, vocabularySize: 1026)) {
            try tokenizer.decodeBytes([-1])
        }
    }

    @Test func emptyTextIsNoTokens() throws {
        #expect(try tokenizer.encode("") == [])
        #expect(tokenizer.decode([]) == "")
    }

    @Test func invalidMergesAndSpecialTokensAreRejected() {
        #expect(throws: TextError.self) { try BPETokenizer(merges: [.init(97, 256)]) }           // 256 does not exist yet
        #expect(throws: TextError.self) { try BPETokenizer(merges: [.init(97, 98), .init(97, 98)]) }
        #expect(throws: TextError.self) { try BPETokenizer(merges: [], specialTokens: [.init(name: "<s>", id: 100)]) }
        #expect(throws: TextError.self) { try BPETokenizer(merges: [], specialTokens: [.init(name: "a b", id: 300)]) }
        #expect(throws: TextError.self) {
            try BPETokenizer(merges: [], specialTokens: [.init(name: "<a>", id: 300), .init(name: "<b>", id: 300)])
        }
    }
}

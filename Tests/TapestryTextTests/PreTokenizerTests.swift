// Pre-tokenization: GPT-4's chunking rules, by hand-worked cases and against the Python
// `regex` package running GPT-4's actual pattern (Fixtures/pretokenize.json).

import Testing
@testable import TapestryText

// Strings are compared as UTF-8 bytes: Swift's `==` on String ignores the difference between
// "é" and "e" + U+0301 (canonical equivalence), which is exactly what these tests must see.

@Suite struct PreTokenizerTests {
    func chunks(_ text: String) -> [[UInt8]] { PreTokenizer.gpt4.split(text).map { Array($0.utf8) } }

    @Test func contractionsSplitOffTheirApostrophe() {
        #expect(chunks("don't") == utf8(["don", "'t"]))
        #expect(chunks("we're they've I'd you'LL") == utf8(["we", "'re", " they", "'ve", " I", "'d", " you", "'LL"]))
        #expect(chunks("'tis") == utf8(["'t", "is"]))                  // rule 1 wins even inside a word
        #expect(chunks("'hello") == utf8(["'hello"]))                  // not a contraction: rule 2 prefix
        #expect(chunks(" 'll") == utf8([" '", "ll"]))                  // a space before ' makes a rule-4 chunk
        #expect(chunks("'ſ") == utf8(["'ſ"]))                          // long s folds to s
    }

    @Test func numbersComeInGroupsOfAtMostThree() {
        #expect(chunks("1234567") == utf8(["123", "456", "7"]))
        #expect(chunks("3.14159") == utf8(["3", ".", "141", "59"]))
        #expect(chunks("x2 2x") == utf8(["x", "2", " ", "2", "x"]))     // letters never take a digit
        #expect(chunks("٣٤٥٦ Ⅻ ½") == utf8(["٣٤٥", "٦", " ", "Ⅻ", " ", "½"]))   // \p{N}: Nd, Nl, No
    }

    @Test func unicodeLettersAreLetters() {
        #expect(chunks("naïve café") == utf8(["naïve", " café"]))
        #expect(chunks("Привет мир") == utf8(["Привет", " мир"]))
        #expect(chunks("中文 字符") == utf8(["中文", " 字符"]))
        // A combining accent is a mark (Mn), not a letter: it ends the word.
        #expect(chunks("e\u{301}e") == utf8(["e", "\u{301}e"]))
    }

    @Test func emojiAndSymbolsAreOther() {
        #expect(chunks("👍🏽 ok") == utf8(["👍🏽", " ok"]))
        #expect(chunks("hi 🎉🎉!") == utf8(["hi", " 🎉🎉!"]))
        #expect(chunks("❤️") == utf8(["❤️"]))                           // U+2764 U+FE0F
    }

    @Test func runsOfSpacesLeaveOneSpaceForTheNextWord() {
        #expect(chunks("a    b") == utf8(["a", "   ", " b"]))
        #expect(chunks("a  42") == utf8(["a", " ", " ", "42"]))        // rule 7: a space before a number
        #expect(chunks("x   ") == utf8(["x", "   "]))                   // at the end: all of it
        #expect(chunks("a \n\n  b") == utf8(["a", " \n\n", " ", " b"])) // up to the last newline
        #expect(chunks("end.\n\n") == utf8(["end", ".\n\n"]))          // punctuation keeps its newlines
        #expect(chunks("\t\tx") == utf8(["\t", "\tx"]))
    }

    @Test func workedExampleFromTheFileHeader() {
        #expect(chunks("I'll pay  $1234!\n\n") == utf8(["I", "'ll", " pay", " ", " $", "123", "4", "!\n\n"]))
    }

    func utf8(_ strings: [String]) -> [[UInt8]] { strings.map { Array($0.utf8) } }

    struct Case: Decodable { let text: String; let chunks: [String] }

    @Test func matchesThePythonRegexPackageOnGPT4Pattern() throws {
        let cases = try TextTestSupport.fixture("pretokenize.json", as: [Case].self)
        #expect(cases.count > 1000)
        var mismatches = 0
        for testCase in cases where chunks(testCase.text) != utf8(testCase.chunks) {
            mismatches += 1
            if mismatches <= 5 {
                Issue.record("\(testCase.text.debugDescription): got \(chunks(testCase.text)), regex gives \(testCase.chunks)")
            }
        }
        #expect(mismatches == 0)
    }

    @Test func chunksTileTheTextExactly() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let text = TextTestSupport.randomString(&generator)
            let pieces = chunks(text)
            #expect(Array(pieces.joined()) == Array(text.utf8))
            #expect(!pieces.contains([]))
        }
    }
}

// Lesson 1: tokens (notebooks-md/01-tokens.md). The code blocks of the lesson are the regions
// below; the numbers it quotes are pinned here.

import ExerciseSolutions
import Foundation
import TapestryText
import Testing

@Suite struct Lesson01TokensTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "01")
    }

    @Test func charactersAreTokens() throws {
        // lesson: 01-char begin
        let text = try Corpus.load(path: repositoryFile("datasets/shakespeare.txt"))
        let tokenizer = try CharTokenizer(corpus: text)        // the distinct characters, sorted
        let ids = try tokenizer.encode("To be, or not")
        let back = tokenizer.decode(ids)
        // lesson: 01-char end
        #expect(back == "To be, or not")
        #expect(tokenizer.vocabulary == tokenizer.vocabulary.sorted { $0.value < $1.value })
        LessonBook.pin("01-text-characters", text.unicodeScalars.count)
        LessonBook.pin("01-char-vocabulary", tokenizer.vocabularySize)
        LessonBook.pin("01-char-ids", ids)
        LessonBook.pin("01-space-id", try tokenizer.encode(" ")[0])
        LessonBook.pin("01-first-symbols", text: tokenizer.vocabulary.prefix(14).map { $0 == "\n" ? "\\n" : String($0) }.joined())
    }

    @Test func bytesAndMerges() throws {
        // lesson: 01-bytes begin
        let word = "naïve"
        let bytes = Array(word.utf8)                            // UTF-8: ï takes two bytes
        // lesson: 01-bytes end
        LessonBook.pin("01-naive-bytes", bytes.map(Int.init))
        #expect(bytes.count == word.count + 1)

        // lesson: 01-train begin
        let sample = String(try Corpus.load(path: repositoryFile("datasets/shakespeare.txt")).prefix(100_000))
        let bpe = try BPETokenizer.train(text: sample, vocabularySize: 256 + 200)   // 200 merges
        let firstMerges = bpe.merges.prefix(6).map { merge in
            BPETokenizer.displayed(bpe.bytes(of: merge.left)! + bpe.bytes(of: merge.right)!)
        }
        // lesson: 01-train end
        LessonBook.pin("01-first-merges", text: firstMerges.map { "\"\($0)\"" }.joined(separator: ", "))

        // lesson: 01-explain begin
        let report = bpe.explain("To be, or not")
        let tokens = try bpe.encode(sample)
        let bytesPerToken = Double(sample.utf8.count) / Double(tokens.count)
        // lesson: 01-explain end
        LessonBook.pin("01-explain", text: report.trimmingCharacters(in: .newlines))
        LessonBook.pin("01-sample-tokens", tokens.count)
        LessonBook.pin("01-bytes-per-token", bytesPerToken)
        #expect(bpe.decode(tokens) == sample)
        #expect(bpe.encodeStepByStep("To be, or not") == (try bpe.encode("To be, or not")))

        // lesson: 01-steps begin
        let steps = bpe.mergeSteps(of: Array(" not".utf8))
        let afterEachStep = steps.map(\.tokensAfter)
        // lesson: 01-steps end
        LessonBook.pin("01-steps", text: afterEachStep.map { "\($0)" }.joined(separator: " → "))
        // Exercise 1.1's merge is exactly one of these steps: replaying them with the reference
        // answer must reproduce every intermediate list.
        var replayed = Array(" not".utf8).map(Int.init)
        for step in steps {
            replayed = try ExerciseSolutions.bpeMerge(replayed, pair: (step.merge.left, step.merge.right), newToken: step.newToken)
            #expect(replayed == step.tokensAfter)
        }
        #expect(replayed == (try bpe.encode(" not")))
    }
}

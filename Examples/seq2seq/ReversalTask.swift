// ReversalTask: the toy translation task of the seq2seq example. Reverse a string.
//
//   source  "cabhe"    →    target  "ehbac"
//
// Strings are 3 to 8 letters from a..l, drawn with a seed. Token ids are shared by both sides:
// 0 = <s> (start), 1 = </s> (end), 2... = the letters. For teacher forcing the decoder reads
// `<s> e h b a c` and must predict `e h b a c </s>`.
// Reversal is a good first translation task: the output has the source's tokens in another
// order, so each output position must find its source position, exactly the job of
// cross-attention. A trained model's cross-attention is an anti-diagonal: to write the first
// letter it looks at the last one. Position matters as much as content (a string may repeat a
// letter), so the model has to use the learned position embeddings too.
//
// Batches hold strings of one length (drawn per batch), so no padding or padding mask is
// needed. Held-out split: by a hash of the string (`HeldOutSplit`); training skips test strings.

import Tapestry
import TapestryGPT

struct ReversalTask {
    static let start = 0, end = 1
    static let letters = Array("abcdefghijkl")
    let lengths: ClosedRange<Int>

    /// Source and target vocabulary: <s>, </s> and the letters.
    var vocabularySize: Int { 2 + Self.letters.count }

    /// The text of a token.
    static func label(_ token: Int) -> String {
        token == start ? "<s>" : token == end ? "</s>" : String(letters[token - 2])
    }

    /// Token ids of `text`, or nil if it has a character outside a..l.
    static func encode(_ text: String) -> [Int]? {
        var tokens: [Int] = []
        for character in text {
            guard let index = letters.firstIndex(of: character) else { return nil }
            tokens.append(2 + index)
        }
        return tokens
    }

    static func decode(_ tokens: [Int]) -> String { tokens.map(label).joined() }

    /// One string of `length` letters from `split`.
    func string(length: Int, split: HeldOutSplit.Part, generator: inout RandomGenerator) -> [Int] {
        while true {
            let tokens = (0..<length).map { _ in 2 + generator.nextInt(below: Self.letters.count) }
            if HeldOutSplit.part(of: tokens) == split { return tokens }
        }
    }

    /// A training batch: `size` strings of one random length, as flat [B, L] sources, [B, L + 1]
    /// decoder inputs (`<s>` + reversed) and [B, L + 1] targets (reversed + `</s>`).
    func batch(size: Int, generator: inout RandomGenerator)
        -> (length: Int, sources: [Int], decoderInputs: [Int], targets: [Int]) {
        let length = lengths.lowerBound + generator.nextInt(below: lengths.count)
        var sources: [Int] = [], inputs: [Int] = [], targets: [Int] = []
        for _ in 0..<size {
            let source = string(length: length, split: .train, generator: &generator)
            let reversed = Array(source.reversed())
            sources += source
            inputs += [Self.start] + reversed
            targets += reversed + [Self.end]
        }
        return (length, sources, inputs, targets)
    }

    /// `count` held-out strings with lengths spread evenly over `lengths`.
    func testSet(count: Int, generator: inout RandomGenerator) -> [[Int]] {
        (0..<count).map { string(length: lengths.lowerBound + $0 % lengths.count, split: .test, generator: &generator) }
    }
}

// BPETokenizer+Show: watch BPE encode a string, one merge at a time (`tokenizer show`).
//
// This is minbpe's encode loop, written for reading rather than speed: look at every adjacent
// pair, pick the one whose merge was learned first (lowest rank = lowest new token id), merge
// all its occurrences, and repeat until no adjacent pair has a merge. It is O(n^2) per chunk,
// which is why `encode` uses a heap instead; tests check that both give the same tokens.
//
//     tokenizer show --tokenizer tok.model "the cat"     (trained on Shakespeare, vocab 4096)
//
//     "the cat": 7 bytes, 2 chunks (gpt4 pre-tokenizer)
//
//     chunk 1: "the"
//       bytes      [t] [h] [e]
//       merge 1    [h] + [e] -> [he] (token 257)           [t] [he]
//       merge 2    [t] + [he] -> [the] (token 677)         [the]
//       tokens     677
//
//     chunk 2: " cat"
//       bytes      [ ] [c] [a] [t]
//       merge 1    [ ] + [c] -> [ c] (token 283)           [ c] [a] [t]
//       merge 2    [a] + [t] -> [at] (token 304)           [ c] [at]
//       merge 3    [ c] + [at] -> [ cat] (token 3716)      [ cat]
//       tokens     3716
//
//     result: 2 tokens: 677 3716
//
// What it is not: fast. Use it on a sentence, not on a book.
// Lesson: notebooks-md/01-tokens.md

extension BPETokenizer {
    /// One step of merging a chunk: which pair merged into which token, and the tokens after it.
    public struct MergeStep: Equatable, Sendable {
        public let merge: Merge
        public let newToken: Int
        public let tokensAfter: [Int]
    }

    /// Every merge BPE applies to one chunk's bytes, in order (the plain O(n^2) loop).
    ///
    /// With merges 256 = (a, a), 257 = (a, b), 258 = (256, 257), `mergeSteps(of: "aaab")`
    /// gives [256] a b, then [256][257], then [258].
    public func mergeSteps(of chunk: [UInt8]) -> [MergeStep] {
        var tokens = chunk.map(Int.init)
        var steps: [MergeStep] = []
        while tokens.count >= 2 {
            // The adjacent pair with the lowest merge rank, if any pair has a merge at all.
            var best: (pair: Merge, newToken: Int)?
            for index in 0..<tokens.count - 1 {
                let key = Self.pairKey(Int32(tokens[index]), Int32(tokens[index + 1]))
                if let newToken = mergedTokenByPair[key], best == nil || Int(newToken) < best!.newToken {
                    best = (Merge(tokens[index], tokens[index + 1]), Int(newToken))
                }
            }
            guard let best else { break }
            // Merge every occurrence, left to right ("a a a" with (a, a) gives "aa a").
            var merged: [Int] = []
            var index = 0
            while index < tokens.count {
                if index + 1 < tokens.count && tokens[index] == best.pair.left && tokens[index + 1] == best.pair.right {
                    merged.append(best.newToken)
                    index += 2
                } else {
                    merged.append(tokens[index])
                    index += 1
                }
            }
            tokens = merged
            steps.append(MergeStep(merge: best.pair, newToken: best.newToken, tokensAfter: tokens))
        }
        return steps
    }

    /// The tokens of `text` (as ordinary text, special tokens included byte by byte) using the
    /// plain loop of `mergeSteps(of:)`: the slow reference for `encode`.
    public func encodeStepByStep(_ text: String) -> [Int] {
        preTokenizer.split(text).flatMap { chunk in
            let bytes = Array(chunk.utf8)
            return mergeSteps(of: bytes).last?.tokensAfter ?? bytes.map(Int.init)
        }
    }

    /// A report of how `text` is chunked and merged, for people (see this file's header).
    public func explain(_ text: String) -> String {
        func shown(_ tokens: [Int]) -> String {
            tokens.map { "[" + Self.displayed(bytes(of: $0) ?? []) + "]" }.joined(separator: " ")
        }
        func column(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(1, width - text.count))
        }
        let chunks = preTokenizer.split(text)
        var lines = ["\"\(Self.displayed(Array(text.utf8)))\": \(text.utf8.count) bytes, \(chunks.count) chunks (\(preTokenizer.rawValue) pre-tokenizer)"]
        var allTokens: [Int] = []
        for (number, chunk) in chunks.enumerated() {
            let bytes = Array(chunk.utf8)
            lines.append("")
            lines.append("chunk \(number + 1): \"\(Self.displayed(bytes))\"")
            lines.append("  bytes      " + shown(bytes.map(Int.init)))
            let steps = mergeSteps(of: bytes)
            for (index, step) in steps.enumerated() {
                let what = "\(shown([step.merge.left])) + \(shown([step.merge.right])) -> \(shown([step.newToken])) (token \(step.newToken))"
                lines.append("  " + column("merge \(index + 1)", 11) + column(what, 40) + shown(step.tokensAfter))
            }
            let tokens = steps.last?.tokensAfter ?? bytes.map(Int.init)
            lines.append("  tokens     " + tokens.map(String.init).joined(separator: " "))
            allTokens += tokens
        }
        lines.append("")
        lines.append("result: \(allTokens.count) tokens: " + allTokens.map(String.init).joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }
}

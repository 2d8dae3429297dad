// BPETokenizer+File: the `.model` text format, and the `.vocab` listing for people.
//
// A model file is plain text, one item per line, versioned by its first line:
//
//     tapestry-bpe v1            format and version
//     pretokenizer gpt4          which PreTokenizer rules split the text
//     specials 1                 how many special tokens follow, then "ID NAME" for each
//     4096 <|endoftext|>
//     merges 3840                how many merges follow, then "LEFT RIGHT" for each:
//     32 116                     merge 1 makes token 256 from tokens 32 " " and 116 "t"
//     104 101                    merge 2 makes token 257 ...
//
// Only the merges are stored: every token's bytes follow from them. Loading checks every line
// and stops at the first problem with ONE line naming the file and line number, for example
// `tok.model:7: merge 3 uses token 300, which does not exist before token 258`.
//
// The `.vocab` file written beside a model shows each token's bytes, and how it was made:
//
//     256   [ t]   = [ ] + [t]
//
// It is for reading only; loading never looks at it.

extension BPETokenizer {
    /// The model file's text (see the file header). `TokenizerFile.deserialize` reads it back.
    public func serialized() -> String {
        var lines = [Self.formatHeader, "pretokenizer \(preTokenizer.rawValue)", "specials \(specialTokens.count)"]
        for special in specialTokens { lines.append("\(special.id) \(special.name)") }
        lines.append("merges \(merges.count)")
        for merge in merges { lines.append("\(merge.left) \(merge.right)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a model file's text. `source` (a path, or "checkpoint metadata") and the 1-based
    /// line number are in every error.
    public init(serialized text: String, source: String) throws(TextError) {
        let lines = TextLines.split(text)
        var lineIndex = 0                                  // 0-based index of the next line
        func fail(_ reason: String, line: Int? = nil) -> TextError {
            .badTokenizerFile(source: source, line: line ?? lineIndex + 1, reason: reason)
        }
        /// The next line's words, split on single spaces, or an error if the file ended.
        func nextWords(expecting what: String) throws(TextError) -> [Substring] {
            guard lineIndex < lines.count else { throw fail("the file ends where \(what) was expected") }
            defer { lineIndex += 1 }
            return lines[lineIndex].split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        }
        /// Parses "KEYWORD COUNT" with 0 <= COUNT <= limit.
        func header(_ keyword: String, limit: Int) throws(TextError) -> Int {
            let words = try nextWords(expecting: "'\(keyword) COUNT'")
            guard words.count == 2, words[0] == keyword, let count = Int(words[1]), (0...limit).contains(count) else {
                throw fail("expected '\(keyword) COUNT' with COUNT in 0...\(limit), found \(TextLines.shown(lines[lineIndex - 1]))", line: lineIndex)
            }
            return count
        }

        guard try nextWords(expecting: "the header").joined(separator: " ") == Self.formatHeader else {
            throw fail("expected '\(Self.formatHeader)', found \(TextLines.shown(lines[0]))", line: 1)
        }
        let nameWords = try nextWords(expecting: "'pretokenizer NAME'")
        guard nameWords.count == 2, nameWords[0] == "pretokenizer" else {
            throw fail("expected 'pretokenizer NAME', found \(TextLines.shown(lines[1]))", line: 2)
        }
        guard let preTokenizer = PreTokenizer(rawValue: String(nameWords[1])) else {
            let known = PreTokenizer.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("unknown pre-tokenizer \(TextLines.shown(nameWords[1])) (known: \(known))", line: 2)
        }

        let specialCount = try header("specials", limit: 10_000)
        var specials: [SpecialToken] = []
        for index in 0..<specialCount {
            let words = try nextWords(expecting: "special token \(index + 1) of \(specialCount) ('ID NAME')")
            guard words.count == 2, let id = Int(words[0]) else {
                throw fail("expected special token \(index + 1) as 'ID NAME', found \(TextLines.shown(lines[lineIndex - 1]))", line: lineIndex)
            }
            specials.append(SpecialToken(name: String(words[1]), id: id))
        }

        let mergeCount = try header("merges", limit: Int(Int32.max) - 256)
        let mergesLine = lineIndex                           // 1-based line of "merges COUNT"
        var merges: [Merge] = []
        var seen = Set<Merge>()
        for index in 0..<mergeCount {
            guard lineIndex < lines.count else {
                throw fail("the file ends after \(index) of \(mergeCount) merges (truncated?)")
            }
            let words = try nextWords(expecting: "a merge")
            let newToken = 256 + index
            guard words.count == 2, let left = Int(words[0]), let right = Int(words[1]) else {
                throw fail("expected merge \(index + 1) as 'LEFT RIGHT', found \(TextLines.shown(lines[lineIndex - 1]))", line: lineIndex)
            }
            for part in [left, right] where !(0..<newToken).contains(part) {
                throw fail("merge \(index + 1) uses token \(part), which does not exist before token \(newToken)", line: lineIndex)
            }
            let merge = Merge(left, right)
            guard seen.insert(merge).inserted else {
                throw fail("merge \(index + 1) (\(left) \(right)) is listed twice", line: lineIndex)
            }
            merges.append(merge)
        }
        if lineIndex < lines.count {
            throw fail("unexpected text after the \(mergeCount) merges: \(TextLines.shown(lines[lineIndex]))")
        }
        // Special token ids are checked now that the number of merges is known.
        var specialIDs = Set<Int>(), specialNames = Set<String>()
        for (index, special) in specials.enumerated() {
            let line = 4 + index
            if let problem = Self.problem(with: special, byteTokenCount: 256 + merges.count) { throw fail(problem, line: line) }
            guard specialIDs.insert(special.id).inserted else { throw fail("special token id \(special.id) is listed twice", line: line) }
            guard specialNames.insert(special.name).inserted else { throw fail("special token \(special.name) is listed twice", line: line) }
        }
        do {
            try self.init(merges: merges, specialTokens: specials, preTokenizer: preTokenizer)
        } catch {
            throw fail(error.description, line: mergesLine)   // checked above, except the tokens' total size
        }
    }

    /// Writes the model file at `path` and the `.vocab` listing beside it (`tok.model` ->
    /// `tok.vocab`), each atomically. Returns the listing's path.
    @discardableResult
    public func save(modelPath path: String) throws(TextError) -> String {
        try TextFile.writeAtomically(Array(serialized().utf8), to: path)
        let vocabularyPath = Self.vocabularyListingPath(forModelPath: path)
        try TextFile.writeAtomically(Array(vocabularyListing().utf8), to: vocabularyPath)
        return vocabularyPath
    }

    /// `dir/tok.model` -> `dir/tok.vocab`; a path without an extension gets `.vocab` appended.
    public static func vocabularyListingPath(forModelPath path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return String(path.dropLast(name.distance(from: dot, to: name.endIndex))) + ".vocab"
        }
        return path + ".vocab"
    }

    /// One line per token: its id, its bytes shown in brackets, and for a merged token the two
    /// tokens it was made from. Special tokens come last, marked "special".
    ///
    ///     97    [a]
    ///     256   [ t]   = [ ] + [t]
    public func vocabularyListing() -> String {
        var lines = ["# \(Self.formatHeader) vocabulary: \(vocabularySize) ids = 256 bytes + \(merges.count) merges + \(specialTokens.count) special",
                     "# id    [token bytes]   = [left] + [right]"]
        func shown(_ id: Int) -> String { "[" + Self.displayed(bytes(of: id) ?? []) + "]" }
        func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(1, width - text.count)) }
        for id in 0..<byteTokenCount {
            if id < 256 {
                lines.append(padded(String(id), 6) + shown(id))
            } else {
                let merge = merges[id - 256]
                lines.append(padded(String(id), 6) + padded(shown(id), 16) + "= \(shown(merge.left)) + \(shown(merge.right))")
            }
        }
        for special in specialTokens { lines.append(padded(String(special.id), 6) + special.name + "   special") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Bytes as readable text on one line: printable characters as themselves, "\n", "\t",
    /// "\r" and "\\" escaped, and any other control character or byte that is not part of a
    /// whole UTF-8 character as "\xNN".
    ///
    ///     BPETokenizer.displayed([0x20, 0x74])   // " t"
    ///     BPETokenizer.displayed([0xE2, 0x82])   // "\xE2\x82"  (2 of the 3 bytes of "€")
    public static func displayed(_ bytes: [UInt8]) -> String {
        var output = ""
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            let piece = Array(bytes[index..<min(bytes.count, index + length)])
            if piece.count == length, TextFile.firstInvalidUTF8Offset(piece) == nil,
               let scalar = String(decoding: piece, as: UTF8.self).unicodeScalars.first {
                switch scalar {
                case "\n": output += "\\n"
                case "\t": output += "\\t"
                case "\r": output += "\\r"
                case "\\": output += "\\\\"
                default:
                    let category = scalar.properties.generalCategory
                    if category == .control || category == .format || category == .lineSeparator || category == .paragraphSeparator {
                        output += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                    } else {
                        output.unicodeScalars.append(scalar)
                    }
                }
                index += length
            } else {
                output += "\\x" + (lead < 16 ? "0" : "") + String(lead, radix: 16, uppercase: true)
                index += 1
            }
        }
        return output
    }
}

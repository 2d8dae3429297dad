// TextLines: split a text file into numbered lines, and quote a line safely in an error.
//
// Lines end at "\n" (a trailing "\r" is dropped, so a file saved on Windows still loads).
// Splitting works on UTF-8 bytes, because Swift treats "\r\n" as ONE Character and
// `split(separator: "\n")` on a String would not see it.
//
// What it is not: a general parser; each file format checks its own lines.

/// Line splitting and quoting for the tokenizer file parsers.
enum TextLines {
    /// The lines of `text` without their "\n" (and without a final "\r"). A final "\n" does
    /// not start an extra empty line: "a\nb\n" has the lines ["a", "b"].
    static func split(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if bytes[index] == UInt8(ascii: "\n") {
                lines.append(text[start..<index])
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        if start != bytes.endIndex { lines.append(text[start...]) }
        return lines.map { $0.utf8.last == UInt8(ascii: "\r") ? $0.dropLast() : $0 }
    }

    /// `line` in single quotes, escaped so it stays on one line and cut after 40 characters:
    /// `'merges 3\t'` or `'aaaaaaaaaa...'`.
    static func shown(_ line: some StringProtocol) -> String {
        var escaped = ""
        for (index, scalar) in line.unicodeScalars.enumerated() {
            if index == 40 { escaped += "..."; break }
            escaped += scalar.escaped(asASCII: false)
        }
        return "'" + escaped + "'"
    }
}

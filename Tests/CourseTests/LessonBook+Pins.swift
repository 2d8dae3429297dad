// LessonBook, part 2: numbers and printouts quoted in the prose, pinned by the tests.
//
//     prose:  the largest weight is <!-- pin: 05-max-weight -->`0.9731`
//     test:   LessonBook.pin("05-max-weight", maxWeight)
//
// A number passes when the value rounds to the text shown at the precision shown (`0.9731`
// accepts 0.97305 ..< 0.97315; `124,439,808` must be exact). Several numbers in one span
// (`[0.0900, 0.2447, 0.6652]`) are compared in order with a list of values. A string value is
// compared with the span (or the fenced ```text block after the marker) exactly.

import Foundation
import Testing

extension LessonBook {
    /// Where a pin's text sits in its lesson.
    struct PinnedText {
        let lesson: String
        let range: Range<String.Index>
        let text: String
    }

    /// Every pin marker in `markdown`: name and the text it pins.
    static func pins(in markdown: String, lesson: String) -> [(name: String, pinned: PinnedText?)] {
        markdown.matches(of: /<!-- pin: ([\w.-]+) -->/).map { match in
            let after = match.range.upperBound
            let rest = markdown[after...]
            if rest.hasPrefix("`"), let close = rest.dropFirst().firstIndex(of: "`") {
                let start = markdown.index(after: after)
                return (String(match.1), PinnedText(lesson: lesson, range: start..<close, text: String(markdown[start..<close])))
            }
            if rest.hasPrefix("\n```text\n") {
                let start = markdown.index(after, offsetBy: "\n```text\n".count)
                let body = markdown[start...]
                // The block ends at the first line that is just ``` (an empty block ends at once).
                let end = body.hasPrefix("```") ? start : body.range(of: "\n```")?.lowerBound
                if let end {
                    return (String(match.1), PinnedText(lesson: lesson, range: start..<end, text: String(markdown[start..<end])))
                }
            }
            return (String(match.1), nil)
        }
    }

    /// The numbers in a pinned text, with the number of decimals each is shown with.
    /// Thousands separators are allowed (`124,439,808`).
    static func numbers(in text: String) -> [(value: Double, decimals: Int, range: Range<String.Index>)] {
        text.matches(of: /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:e-?\d+)?/).compactMap { match in
            let raw = String(match.output).replacingOccurrences(of: ",", with: "")
            guard let value = Double(raw) else { return nil }
            let mantissa = raw.split(separator: "e").first ?? ""
            var decimals = mantissa.split(separator: ".").count == 2 ? mantissa.split(separator: ".")[1].count : 0
            if let exponent = raw.split(separator: "e").dropFirst().first, let e = Int(exponent) { decimals -= e }
            return (value, decimals, match.range)
        }
    }

    /// Checks that the pin `name` (in the lesson its number prefix names) shows `values`.
    static func pin(_ name: String, _ values: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        update(name, sourceLocation: sourceLocation) { shown in
            let found = numbers(in: shown)
            guard found.count == values.count else {
                let example = found.first.map { String(shown[$0.range]) } ?? "0"
                let fresh = values.map { format($0, like: example) }.joined(separator: ", ")
                return (false, "pin \(name): shows \(found.count) numbers (\(shown)), the test computed \(values.count): \(values)",
                        values.count == 1 ? fresh : "[" + fresh + "]")
            }
            var refreshed = shown, ok = true, message = ""
            for (number, value) in zip(found, values).reversed() {
                let allowed = 0.5 * pow(10, -Double(number.decimals)) * (1 + 1e-9) + 1e-12
                if !(abs(number.value - value) <= allowed) {
                    ok = false
                    message = "pin \(name): the lesson shows \(shown), the test computed \(values)"
                }
                refreshed.replaceSubrange(number.range, with: format(value, like: String(shown[number.range])))
            }
            return (ok, message, refreshed)
        }
    }

    static func pin(_ name: String, _ value: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        pin(name, [value], sourceLocation: sourceLocation)
    }

    static func pin(_ name: String, _ value: Float, sourceLocation: SourceLocation = #_sourceLocation) {
        pin(name, [Double(value)], sourceLocation: sourceLocation)
    }

    static func pin(_ name: String, _ values: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        pin(name, values.map(Double.init), sourceLocation: sourceLocation)
    }

    static func pin(_ name: String, _ value: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        pin(name, [Double(value)], sourceLocation: sourceLocation)
    }

    static func pin(_ name: String, _ values: [Int], sourceLocation: SourceLocation = #_sourceLocation) {
        pin(name, values.map(Double.init), sourceLocation: sourceLocation)
    }

    /// Checks that the pin `name` shows exactly `text` (a span or a fenced text block).
    static func pin(_ name: String, text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        update(name, sourceLocation: sourceLocation) { shown in
            (shown == text, "pin \(name): the lesson shows\n\(shown)\nthe test computed\n\(text)", text)
        }
    }

    /// Finds the pin, runs `check` on its text, and records the failure or (when refreshing)
    /// writes the corrected text back.
    private static func update(_ name: String, sourceLocation: SourceLocation,
                               _ check: (String) -> (ok: Bool, message: String, refreshed: String)) {
        lock.lock(); defer { lock.unlock() }
        guard let lesson = lessonName(String(name.prefix(2))) else {
            Issue.record("pin \(name): no lesson notebooks-md/\(name.prefix(2))-*.md", sourceLocation: sourceLocation)
            return
        }
        let url = notebooks.appendingPathComponent(lesson)
        var markdown = read(url)
        let found = pins(in: markdown, lesson: lesson).filter { $0.name == name }
        guard found.count == 1, let pinned = found[0].pinned else {
            Issue.record("pin \(name): expected one `<!-- pin: \(name) -->` followed by `text` or a ```text block in \(lesson), found \(found.count)",
                         sourceLocation: sourceLocation)
            return
        }
        let (ok, message, refreshed) = check(pinned.text)
        if ok { return }
        if refreshing {
            // An empty ```text block has no line of its own yet: give the new text one.
            let emptyBlock = pinned.range.isEmpty && markdown[pinned.range.lowerBound...].hasPrefix("```")
            markdown.replaceSubrange(pinned.range, with: emptyBlock ? refreshed + "\n" : refreshed)
            try? markdown.write(to: url, atomically: true, encoding: .utf8)
        } else {
            Issue.record("\(lesson): \(message) (COURSE_REFRESH=1 rewrites it)", sourceLocation: sourceLocation)
        }
    }

    /// `value` printed like `example`: the same number of decimals, thousands separators if it had them.
    static func format(_ value: Double, like example: String) -> String {
        let plain = example.replacingOccurrences(of: ",", with: "")
        if plain.contains("e") { return String(format: "%.\(max(0, (plain.split(separator: "e")[0].split(separator: ".").dropFirst().first?.count ?? 0)))e", value) }
        let decimals = plain.split(separator: ".").count == 2 ? plain.split(separator: ".")[1].count : 0
        var text = String(format: "%.\(decimals)f", value)
        if example.contains(",") {
            let negative = text.hasPrefix("-")
            if negative { text.removeFirst() }
            let parts = text.split(separator: ".", maxSplits: 1)
            var whole = String(parts[0]), grouped = ""
            while whole.count > 3 { grouped = "," + whole.suffix(3) + grouped; whole = String(whole.dropLast(3)) }
            text = (negative ? "-" : "") + whole + grouped + (parts.count == 2 ? "." + parts[1] : "")
        }
        return text
    }
}

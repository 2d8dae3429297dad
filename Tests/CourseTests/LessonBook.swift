// LessonBook: how the course's Markdown stays true to the tests (stated in notebooks-md/README.md).
//
// 1. Code. Every ```swift block in notebooks-md/ is preceded by a marker naming a region of a
//    test file in this folder:
//        <!-- code: Lesson05AttentionTests.swift#05-scores -->
//    and that file holds the region between `// lesson: 05-scores begin` and
//    `// lesson: 05-scores end`. The block must equal the region (with the region's common
//    indentation removed). The region is ordinary test code: it compiles and runs in
//    `swift test`, so a stale or wrong snippet fails the lesson's suite.
// 2. Numbers. A number (or a short printout) quoted in the prose is preceded by a marker:
//        the largest weight is <!-- pin: 05-max-weight -->`0.9731`
//    and the lesson's test computes the value and calls `LessonBook.pin("05-max-weight", x)`,
//    which checks that the text shown rounds to x at the precision shown. A marker followed by
//    a fenced ```text block pins a whole printout, compared exactly.
// 3. Refreshing. `COURSE_REFRESH=1 swift test --filter Lesson05` rewrites the lesson's code
//    blocks from their regions and its pinned numbers from the values the tests computed
//    (keeping the shown precision), instead of failing. Read the diff before committing it.

import Foundation
import Testing

enum LessonBook {
    /// The repository root (this file is Tests/CourseTests/LessonBook.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let notebooks = root.appendingPathComponent("notebooks-md")
    static let testsFolder = root.appendingPathComponent("Tests/CourseTests")
    static let refreshing = ProcessInfo.processInfo.environment["COURSE_REFRESH"] == "1"
    /// Serializes reading and rewriting the Markdown when tests run in parallel.
    static let lock = NSLock()

    /// The lesson files, `01-tokens.md` ... in order.
    static var lessonNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: notebooks.path)) ?? []
        return names.filter { $0.range(of: #"^\d\d-.+\.md$"#, options: .regularExpression) != nil }.sorted()
    }

    /// The lesson whose file name starts with `number` ("05").
    static func lessonName(_ number: String) -> String? {
        lessonNames.first { $0.hasPrefix(number + "-") }
    }

    static func read(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    // MARK: - Code blocks

    struct CodeBlock {
        let language: String
        /// "Lesson05AttentionTests.swift", "05-scores", or nil when the marker is missing.
        let file: String?
        let region: String?
        let content: String
        /// 1-based line of the opening fence.
        let line: Int
        /// Range of the content lines (0-based, excluding the fences) in the file's lines.
        let contentLines: Range<Int>
    }

    static func codeBlocks(in markdown: String) -> [CodeBlock] {
        let lines = markdown.components(separatedBy: "\n")
        var blocks: [CodeBlock] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            guard line.hasPrefix("```"), line.count > 3 else { index += 1; continue }
            let language = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
            var end = index + 1
            while end < lines.count && lines[end] != "```" { end += 1 }
            var previous = index - 1
            while previous >= 0 && lines[previous].trimmingCharacters(in: .whitespaces).isEmpty { previous -= 1 }
            var file: String?, region: String?
            if previous >= 0, let match = lines[previous].firstMatch(of: /^<!-- code: ([\w+.-]+\.swift)#([\w.-]+) -->$/) {
                file = String(match.1)
                region = String(match.2)
            }
            blocks.append(CodeBlock(language: language, file: file, region: region,
                                    content: lines[(index + 1)..<min(end, lines.count)].joined(separator: "\n"),
                                    line: index + 1, contentLines: (index + 1)..<min(end, lines.count)))
            index = end + 1
        }
        return blocks
    }

    /// The lines between `// lesson: NAME begin` and `// lesson: NAME end` in a test file of
    /// this folder, with their common indentation removed; nil if there is no such region.
    static func region(_ name: String, inFile file: String) -> String? {
        let lines = read(testsFolder.appendingPathComponent(file)).components(separatedBy: "\n")
        guard let begin = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// lesson: \(name) begin" }),
              let end = lines[begin...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// lesson: \(name) end" })
        else { return nil }
        let body = Array(lines[(begin + 1)..<end])
        let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return body.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }.joined(separator: "\n")
    }

    /// Checks (or, when refreshing, rewrites) every Swift block of one Markdown file against
    /// its region. Returns the problems, one line each.
    static func syncCode(markdownFile name: String, folder: URL = notebooks) -> [String] {
        lock.lock(); defer { lock.unlock() }
        let url = folder.appendingPathComponent(name)
        let markdown = read(url)
        var lines = markdown.components(separatedBy: "\n")
        var problems: [String] = []
        // Rewrite from the last block up, so earlier line numbers stay valid.
        for block in codeBlocks(in: markdown).reversed() where block.language == "swift" {
            guard let file = block.file, let regionName = block.region else {
                problems.append("\(name):\(block.line): swift block without a `<!-- code: File.swift#region -->` marker")
                continue
            }
            guard let region = region(regionName, inFile: file) else {
                problems.append("\(name):\(block.line): no region `// lesson: \(regionName) begin` ... `end` in Tests/CourseTests/\(file)")
                continue
            }
            if region != block.content {
                if refreshing {
                    lines.replaceSubrange(block.contentLines, with: region.components(separatedBy: "\n"))
                } else {
                    problems.append("\(name):\(block.line): the block differs from \(file)#\(regionName)"
                                    + " (COURSE_REFRESH=1 swift test --filter \(name.prefix(2)) rewrites it)\n"
                                    + firstDifference(block.content, region))
                }
            }
        }
        if refreshing { try? lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8) }
        return problems.reversed()
    }

    static func firstDifference(_ shown: String, _ tested: String) -> String {
        let a = shown.components(separatedBy: "\n"), b = tested.components(separatedBy: "\n")
        for i in 0..<max(a.count, b.count) where (i < a.count ? a[i] : nil) != (i < b.count ? b[i] : nil) {
            return "  line \(i + 1) of the block: \(i < a.count ? a[i] : "(none)")\n  line \(i + 1) of the test:  \(i < b.count ? b[i] : "(none)")"
        }
        return ""
    }
}

/// The absolute path of a file in this repository, e.g. `repositoryFile("datasets/shakespeare.txt")`.
/// (Lessons run from the tests, whose working directory is not guaranteed to be the root.)
func repositoryFile(_ path: String) -> String {
    LessonBook.root.appendingPathComponent(path).path
}

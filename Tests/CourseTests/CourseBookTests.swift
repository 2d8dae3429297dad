// CourseBookTests: the course as a whole. Every lesson exists, says how long it takes, runs
// programs that exist, links files that exist and that link back, ends with its own
// `swift test --filter LessonNN`, and every code block and pinned number is owned by a test.
// (Each lesson's own suite checks its code blocks and numbers; see LessonBook.swift.)

import Foundation
import Grading
import Testing

@Suite struct CourseBookTests {
    let lessons = LessonBook.lessonNames

    @Test func twelveLessonsInOrder() {
        #expect(lessons.map { String($0.prefix(2)) } == (1...12).map { $0 < 10 ? "0\($0)" : "\($0)" }, "\(lessons)")
    }

    @Test func readmeListsEveryLessonWithItsTime() {
        let readme = LessonBook.read(LessonBook.notebooks.appendingPathComponent("README.md"))
        for lesson in lessons {
            let row = readme.components(separatedBy: "\n").first { $0.contains("](\(lesson))") }
            #expect(row != nil, "README.md does not link \(lesson)")
            if let row { #expect(row.contains(" min"), "README.md's row for \(lesson) gives no time: \(row)") }
        }
        #expect(LessonBook.syncCode(markdownFile: "README.md").isEmpty)
    }

    @Test func everyLessonEndsWithItsOwnCheckAndHasASuiteOfThatName() {
        let testSources = LessonBook.allTestSources
        for lesson in lessons {
            let number = lesson.prefix(2)
            let text = LessonBook.read(LessonBook.notebooks.appendingPathComponent(lesson))
            let tail = text.components(separatedBy: "## Check yourself").last ?? ""
            #expect(text.contains("## Check yourself") && tail.contains("swift test --filter Lesson\(number)"),
                    "\(lesson) must end with a `## Check yourself` section running `swift test --filter Lesson\(number)`")
            #expect(testSources.contains("@Suite struct Lesson\(number)"), "no `@Suite struct Lesson\(number)...` in Tests/CourseTests")
            #expect(text.contains("$"), "\(lesson) has no math")
            #expect(text.contains("```swift"), "\(lesson) has no Swift code")
        }
    }

    @Test func everyProgramALessonRunsExists() {
        let package = LessonBook.read(LessonBook.root.appendingPathComponent("Package.swift"))
        let executables = Set(package.matches(of: /\.executableTarget\(\s*name: "([\w-]+)"/).map { String($0.1) })
        for name in lessons + ["README.md"] {
            let text = LessonBook.read(LessonBook.notebooks.appendingPathComponent(name))
            for match in text.matches(of: /swift run (?:-c release )?([\w-]+)/) {
                #expect(executables.contains(String(match.1)), "\(name) runs `swift run \(match.1)`, which Package.swift does not define")
            }
        }
    }

    @Test func everyLessonGradesItsExercises() {
        for exercise in Catalog.exercises {
            let text = LessonBook.read(LessonBook.root.appendingPathComponent(exercise.lesson))
            #expect(text.contains("swift run grade \(exercise.id)"), "\(exercise.lesson) does not mention `swift run grade \(exercise.id)`")
            #expect(text.contains(exercise.file.replacingOccurrences(of: "Sources/", with: "../Sources/")),
                    "\(exercise.lesson) does not link the exercise's file \(exercise.file)")
        }
    }

    @Test func linksResolveAndSourceFilesLinkBack() {
        for name in lessons + ["README.md"] {
            let text = LessonBook.read(LessonBook.notebooks.appendingPathComponent(name))
            for match in text.matches(of: /\]\(([^)\s]+)\)/) {
                let target = String(match.1)
                if target.hasPrefix("http") || target.hasPrefix("#") { continue }
                let path = String(target.split(separator: "#")[0])
                let url = LessonBook.notebooks.appendingPathComponent(path).standardized
                #expect(FileManager.default.fileExists(atPath: url.path), "\(name) links \(target), which does not exist")
                // A source file a lesson explains names that lesson in its `// Lesson:` line.
                if name != "README.md", path.hasPrefix("../Sources/") || path.hasPrefix("../Examples/"), path.hasSuffix(".swift") {
                    let source = LessonBook.read(url)
                    #expect(source.contains("notebooks-md/\(name)"),
                            "\(path) does not link back to its lesson: add `// Lesson: notebooks-md/\(name)` near its top")
                }
            }
        }
    }

    @Test func backLinksInSourcesPointToLessonsThatExist() throws {
        var backLinks = 0
        for folder in ["Sources", "Examples"] {
            let root = LessonBook.root.appendingPathComponent(folder)
            let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
            for case let path as String in enumerator where path.hasSuffix(".swift") {
                let text = LessonBook.read(root.appendingPathComponent(path))
                for line in text.components(separatedBy: "\n") where line.hasPrefix("// Lesson:") {
                    backLinks += 1
                    for match in line.matches(of: /notebooks-md\/([\w.-]+\.md)/) {
                        #expect(lessons.contains(String(match.1)), "\(folder)/\(path) links notebooks-md/\(match.1), which does not exist")
                    }
                }
            }
        }
        #expect(backLinks >= 12, "only \(backLinks) source files link back to a lesson")
    }

    @Test func everyPinAndRegionIsOwnedByATest() {
        let testSources = LessonBook.allTestSources
        var usedRegions = Set<String>()
        for lesson in lessons + ["README.md"] {
            let text = LessonBook.read(LessonBook.notebooks.appendingPathComponent(lesson))
            for (name, pinned) in LessonBook.pins(in: text, lesson: lesson) {
                #expect(pinned != nil, "\(lesson): pin \(name) is followed by neither `text` nor a ```text block")
                #expect(testSources.contains("\"\(name)\""), "\(lesson): no test calls LessonBook.pin(\"\(name)\", ...)")
            }
            for block in LessonBook.codeBlocks(in: text) { if let region = block.region { usedRegions.insert(region) } }
        }
        for line in testSources.components(separatedBy: "\n") {
            guard let match = line.trimmingCharacters(in: .whitespaces).wholeMatch(of: /\/\/ lesson: ([\w.-]+) begin/) else { continue }
            #expect(usedRegions.contains(String(match.1)), "region \(match.1) is shown by no lesson")
        }
    }
}

extension LessonBook {
    /// All Swift files of Tests/CourseTests, concatenated.
    static var allTestSources: String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: testsFolder.path)) ?? []
        return names.filter { $0.hasSuffix(".swift") }.sorted().map { read(testsFolder.appendingPathComponent($0)) }
            .joined(separator: "\n")
    }

    /// The check every lesson suite runs first: its Markdown's Swift blocks equal their regions.
    static func expectCodeInSync(lesson number: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let name = lessonName(number) else {
            Issue.record("no lesson notebooks-md/\(number)-*.md", sourceLocation: sourceLocation)
            return
        }
        for problem in syncCode(markdownFile: name) { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
    }
}

// The moons example, run as a user runs it: it must reach 100% training accuracy, write a
// well-formed SVG, be deterministic for a seed, and reject bad flags with exit status 2.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TapestryTestSupport

@Suite struct MoonsProgramTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moons-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func reachesFullAccuracyAndWritesAWellFormedSVG() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = runProgram("moons", arguments: ["--out", directory.path])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("step ") }.count == 100)        // a loss line per step
        let final = lines.first { $0.hasPrefix("final:") } ?? "no final line"
        #expect(final.hasSuffix("accuracy 100% (100/100)"), "\(final)")

        let svg = try Data(contentsOf: directory.appendingPathComponent("moons.svg"))
        let counter = ElementCounter()
        let parser = XMLParser(data: svg)
        parser.delegate = counter
        #expect(parser.parse(), "moons.svg is not well-formed XML: \(String(describing: parser.parserError))")
        #expect(counter.counts["svg"] == 1)
        #expect(counter.counts["circle"] == 100)                             // one per data point
        #expect((counter.counts["rect"] ?? 0) >= 60)                         // at least a run per grid row
    }

    @Test func sameSeedSameRunDifferentSeedDifferentRun() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = runProgram("moons", arguments: ["--steps", "5", "--seed", "3", "--out", directory.path])
        let second = runProgram("moons", arguments: ["--steps=5", "--seed=3", "--out", directory.path])
        let other = runProgram("moons", arguments: ["--steps", "5", "--seed", "4", "--out", directory.path])
        #expect(first.exitCode == 0 && first.stdout == second.stdout)
        #expect(first.stdout != other.stdout)
    }

    @Test(arguments: [["--bogus"], ["--steps"], ["--steps", "0"], ["--steps", "ten"], ["--seed", "-1"], ["extra"]])
    func badFlagsExitWithStatus2AndOneLine(arguments: [String]) {
        let result = runProgram("moons", arguments: arguments)
        #expect(result.exitCode == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("error: moons: ") && result.stderr.split(separator: "\n").count == 1,
                "stderr: \(result.stderr)")
    }

    @Test func helpPrintsUsageAndExitsZero() {
        let result = runProgram("moons", arguments: ["--help"])
        #expect(result.exitCode == 0)
        #expect(result.stdout.hasPrefix("usage: moons"))
        #expect(result.stdout.contains("--steps") && result.stdout.contains("--seed") && result.stdout.contains("--out"))
    }
}

/// Counts elements by name while parsing.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[elementName, default: 0] += 1
    }
}

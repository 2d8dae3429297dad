// The embeddings example, run as a user runs it. The checkpoint's wte is read here by hand
// (RawSafeTensors) and every number the program prints or draws is checked against cosines,
// neighbours and variances computed here independently, in Double: the heat map's diagonal is 1
// and the map symmetric, the neighbours are the most similar rows, and the projection has the
// properties that define principal components (centered, uncorrelated, no direction or plane
// with more variance, distances never stretched).

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Tapestry
import Testing
import TapestryTestSupport

@Suite struct EmbeddingsExampleTests {
    @Test func cosinesNeighboursAndProjectionMatchTheCheckpoint() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try TinyCheckpoint.model()
        let result = runProgram("embeddings", arguments: ["--checkpoint", checkpoint, "--neighbours", "3",
                                                          "--out", directory.path])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let out = result.stdout

        // The table, read independently: wte [V, C] and the tokenizer's characters.
        let file = try RawSafeTensors(path: checkpoint)
        let shape = try #require(file.entries["transformer.wte.weight"]?.shape)
        let (v, c) = (shape[0], shape[1])
        let flat = try file.floats("transformer.wte.weight").map(Double.init)
        let rows = (0..<v).map { Array(flat[($0 * c)..<(($0 + 1) * c)]) }
        let labels = try characterLabels(file.metadata["tokenizer"] ?? "")
        #expect(labels.count == v)
        #expect(out.contains("wte transformer.wte.weight: [\(v), \(c)]"))

        // Cosines: mean |cos| over the pairs, and √(2/(πC)) for random directions.
        let cosine = rows.map { a in rows.map { b in dot(a, b) / (dot(a, a) * dot(b, b)).squareRoot() } }
        var sum = 0.0
        for i in 0..<v { for j in (i + 1)..<v { sum += abs(cosine[i][j]) } }
        // "mean |cos| over the P pairs: M (random directions in C = c dimensions: sqrt(2/(pi C)) = R)"
        let mean = Printed.numbers(in: Printed.line(startingWith: "mean |cos| over the", in: out)).map(Double.init)
        #expect(mean.count == 5 && Int(mean[0]) == v * (v - 1) / 2 && Int(mean[2]) == c, "\(mean)")
        #expect(abs(mean[1] - sum / Double(v * (v - 1) / 2)) < 2e-4)
        #expect(abs(mean[4] - (2 / (Double.pi * Double(c))).squareRoot()) < 1e-4)

        // Neighbours: the k-th printed one has the k-th largest cosine, and its printed cosine is its own.
        for character in "aoe,.T" {
            let line = Printed.line(startingWith: "\(character)  →  ", in: out)
            let printed = line.components(separatedBy: "  →  ").last!.components(separatedBy: "  ").map { $0.split(separator: " ") }
            #expect(printed.count == 3, "\(line)")
            let id = try #require(labels.firstIndex(of: String(character)))
            let ranked = (0..<v).filter { $0 != id }.map { cosine[id][$0] }.sorted(by: >)
            for (rank, pair) in printed.enumerated() {
                let neighbour = try #require(labels.firstIndex(of: String(pair[0])), "\(pair)")
                #expect(abs(cosine[id][neighbour] - ranked[rank]) < 1e-5 && abs(Double(pair[1])! - cosine[id][neighbour]) < 1e-4,
                        "\(character) rank \(rank): \(pair)")
            }
        }

        // The heat map: one cell per pair, 1 on the diagonal, symmetric, the cosines computed here.
        var cells: [[Double?]] = Array(repeating: Array(repeating: nil, count: v), count: v)
        let heatmap = try svgElements(directory.appendingPathComponent("embeddings-cosine.svg"))
        for title in heatmap where title.name == "title" {
            guard let match = title.text.wholeMatch(of: /row (\d+) .*, column (\d+) .*: (-?\d+\.\d+)/) else { continue }
            cells[Int(match.1)!][Int(match.2)!] = Double(match.3)!
        }
        for i in 0..<v {
            #expect(cells[i][i] == 1, "diagonal \(i): \(String(describing: cells[i][i]))")
            for j in 0..<v {
                let value = try #require(cells[i][j], "no cell (\(i), \(j))")
                #expect(abs(value - (cells[j][i] ?? .nan)) <= 1e-4 && abs(value - cosine[i][j]) <= 2e-4, "(\(i), \(j))")
            }
        }

        // The projection: centered, uncorrelated, PC1 the direction of most variance, PC1 + PC2
        // the plane of most variance, and no distance longer than in the table.
        let tips = try svgElements(directory.appendingPathComponent("embeddings-pca.svg")).filter { $0.name == "title" }
        let points = tips.compactMap { $0.text.firstMatch(of: /PC1 (\S+), PC2 (\S+)$/) }.map { (Double($0.1)!, Double($0.2)!) }
        #expect(points.count == v)
        let (var1, var2) = (points.map { $0.0 * $0.0 }.reduce(0, +) / Double(v), points.map { $0.1 * $0.1 }.reduce(0, +) / Double(v))
        let covariance = points.map { $0.0 * $0.1 }.reduce(0, +) / Double(v)
        #expect(abs(points.map { $0.0 }.reduce(0, +)) < 1e-4 * var1.squareRoot() * Double(v))
        #expect(abs(points.map { $0.1 }.reduce(0, +)) < 1e-4 * var1.squareRoot() * Double(v))
        #expect(var1 >= var2 && abs(covariance) < 1e-4 * var1)
        let center = (0..<c).map { k in rows.reduce(0) { $0 + $1[k] } / Double(v) }
        let centered = rows.map { zip($0, center).map { $0 - $1 } }
        func variance(along u: [Double]) -> Double { centered.map { dot($0, u) * dot($0, u) }.reduce(0, +) / Double(v) }
        let total = (0..<c).map { k in variance(along: (0..<c).map { $0 == k ? 1 : 0 }) }
        #expect(total.allSatisfy { $0 <= var1 * 1.0001 })
        var generator = RandomGenerator(seed: 9)
        for _ in 0..<200 {
            let a = unit(Tensor.randomNormal([c], using: &generator).scalars.map(Double.init))
            let r = Tensor.randomNormal([c], using: &generator).scalars.map(Double.init)
            let b = unit(zip(r, a).map { $0 - dot(r, a) * $1 })            // Gram-Schmidt: b ⊥ a
            #expect(variance(along: a) <= var1 * 1.0001 && variance(along: a) + variance(along: b) <= (var1 + var2) * 1.0001)
        }
        for i in 0..<v {
            for j in 0..<v where i < j {
                let projected = pow(points[i].0 - points[j].0, 2) + pow(points[i].1 - points[j].1, 2)
                #expect(projected <= dot(zip(rows[i], rows[j]).map(-), zip(rows[i], rows[j]).map(-)) * 1.0001 + 1e-12)
            }
        }
        let shares = Printed.numbers(in: Printed.line(startingWith: "top two principal components", in: out)).suffix(2)
        let sumOfVariances = total.reduce(0, +)
        #expect(shares.count == 2 && abs(Double(shares.first!) - 100 * var1 / sumOfVariances) < 0.06
                && abs(Double(shares.last!) - 100 * var2 / sumOfVariances) < 0.06, "\(shares)")

        // Written atomically: the two pictures and no temporary file left beside them.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["embeddings-cosine.svg", "embeddings-pca.svg"])
    }

    @Test func anUntrainedCheckpointLooksRandomAndSaysSo() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let train = runProgram("train", arguments: ["--max-iters", "0", "--block-size", "32", "--n-layer", "1", "--n-head", "2",
                                                    "--n-embd", "64", "--batch-size", "2", "--eval-iters", "1",
                                                    "--sample-length", "4", "--out", directory.path])
        #expect(train.exitCode == 0, "stderr: \(train.stderr)")
        let result = runProgram("embeddings", arguments: ["--checkpoint", directory.appendingPathComponent("model.safetensors").path,
                                                          "--out", directory.path])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("iteration 0: this is the untrained table"))
        // 73 random directions in 64 dimensions: mean |cos| ≈ √(2/(π·64)) = 0.0997 (about 2,600 pairs).
        let mean = Printed.numbers(in: Printed.line(startingWith: "mean |cos| over the", in: result.stdout))
        #expect(mean.count == 5 && abs(Double(mean[1]) / (2 / (Double.pi * 64)).squareRoot() - 1) < 0.15, "\(mean)")
    }

    @Test func helpAndBadInput() throws {
        let help = runProgram("embeddings", arguments: ["--help"])
        #expect(help.exitCode == 0 && help.stdout.hasPrefix("usage: embeddings"))
        let tiny = try TinyCheckpoint.model()
        let attention = URL(fileURLWithPath: tiny).deletingLastPathComponent().appendingPathComponent("attention.safetensors").path
        let cases: [(arguments: [String], mentions: String)] = [
            (["--bogus"], "--bogus"), (["--neighbours", "0"], "--neighbours"), (["--limit", "1"], "--limit"),
            (["--limit", "513"], "--limit"), (["--characters", ""], "--characters"), (["--out", ""], "--out"),
            (["extra"], "extra"), (["--checkpoint", "/nonexistent/model.safetensors"], "swift run train"),
            (["--checkpoint", tiny, "--characters", "a§"], "--characters"), (["--checkpoint", attention], "tapestry-attention"),
        ]
        for (arguments, mentions) in cases {
            let result = runProgram("embeddings", arguments: arguments)
            #expect(result.exitCode == 2 && result.stdout.isEmpty, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: embeddings: ") && result.stderr.split(separator: "\n").count == 1
                    && result.stderr.contains(mentions), "\(arguments): \(result.stderr)")
        }
        // An --out that cannot be a directory is misuse too (status 2), found before any work,
        // as `train` finds it; the message names the flag and the path.
        let blocker = try makeTemporaryDirectory().appendingPathComponent("a-file")
        defer { try? FileManager.default.removeItem(at: blocker.deletingLastPathComponent()) }
        try Data("x".utf8).write(to: blocker)
        for out in [blocker.path, blocker.path + "/pictures"] {
            let unwritable = runProgram("embeddings", arguments: ["--checkpoint", tiny, "--out", out])
            #expect(unwritable.exitCode == 2 && unwritable.stdout.isEmpty && unwritable.stderr.split(separator: "\n").count == 1
                    && unwritable.stderr.hasPrefix("error: embeddings: --out \(out): "), "stderr: \(unwritable.stderr)")
        }
    }
}

// MARK: - Helpers

private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
private func unit(_ x: [Double]) -> [Double] { x.map { $0 / dot(x, x).squareRoot() } }

/// The characters of a serialized char tokenizer (`tapestry-char v1`, `vocabulary N`, then the
/// code points in hex), labelled the way the program prints them: "\n" as `\n`, " " as `␣`.
private func characterLabels(_ serialized: String) throws -> [String] {
    let lines = serialized.split(separator: "\n")
    #expect(lines.first == "tapestry-char v1")
    return try lines[2].split(separator: " ").map { hex in
        let scalar = try #require(UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init))
        return scalar == "\n" ? "\\n" : scalar == " " ? "␣" : String(scalar)
    }
}

/// The elements of an SVG file in document order, with their direct text.
private func svgElements(_ url: URL) throws -> [(name: String, text: String)] {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, text: String)] = []
        var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append((name, ""))
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let last = open.last { elements[last].text += string }
        }
    }
    let parser = try #require(XMLParser(contentsOf: url))
    let collector = Collector()
    parser.delegate = collector
    #expect(parser.parse(), "\(url.lastPathComponent) is not well-formed XML: \(String(describing: parser.parserError))")
    #expect(collector.elements.first?.name == "svg")
    return collector.elements
}

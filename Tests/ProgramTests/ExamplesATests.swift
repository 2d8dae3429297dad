// The self-attention, attention-viewer and positional-encodings examples, run as a user runs
// them: the numbers they print are checked against properties computed here independently
// (rows that sum to 1, std ≈ √d_k, hand-computed ALiBi slopes, sin/cos values), and the
// viewer's files are opened: the PNG decoded pixel by pixel, the SVG and HTML parsed as XML.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Tapestry
import Testing
import TapestryTestSupport

// MARK: - Helpers

/// A fresh scratch directory, removed by the caller.
private func scratchDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The elements of an XML document in order, with attributes and direct text.
private final class XMLElements: NSObject, XMLParserDelegate {
    struct Element { var name: String; var attributes: [String: String]; var text = "" }
    var elements: [Element] = []
    private var open: [Int] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let last = open.last { elements[last].text += string }
    }
    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        if let last = open.last { elements[last].text += String(decoding: block, as: UTF8.self) }
    }

    /// Parses the file at `url`; records a test failure if it is not well-formed XML.
    static func parse(_ url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Element] {
        let parser = XMLParser(data: try Data(contentsOf: url))
        let collector = XMLElements()
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "\(url.lastPathComponent) is not well-formed XML: \(String(describing: parser.parserError))",
                sourceLocation: sourceLocation)
        return collector.elements
    }
}

/// The numbers in a line, in order ("-inf" included).
private func numbers(in line: some StringProtocol) -> [Double] {
    line.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) ?? ($0 == "-inf" ? -.infinity : nil) }
}

/// Checks the usage-error contract: exit status 2, nothing on stdout, one line on stderr in the
/// programs' form `error: <program>: ...` (see ExampleErrorTests).
private func expectUsageError(_ program: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let result = runProgram(program, arguments: arguments)
    #expect(result.exitCode == 2, "\(arguments): stderr \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("error: \(program): ") && result.stderr.split(separator: "\n").count == 1,
            "stderr: \(result.stderr)", sourceLocation: sourceLocation)
}

// MARK: - self-attention

@Suite struct SelfAttentionProgramTests {
    @Test func weightsRowsSumToOneAndTheOutputIs1x4x8() throws {
        let result = runProgram("self-attention")
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let sums = numbers(in: try #require(lines.first { $0.hasPrefix("row sums:") }))
        #expect(sums.count == 4 && sums.allSatisfy { abs($0 - 1) < 1e-5 }, "\(sums)")
        #expect(lines.contains("output shape: [1, 4, 8]"))
        #expect(result.stdout.contains("rows sum to 1: yes"))
        // The weights block: 4 rows of 4 numbers in [0, 1], each summing to 1 (read from the printout).
        let start = try #require(lines.firstIndex { $0.hasPrefix("weights = softmax") })
        let weights = lines[(start + 1)...(start + 4)].map { numbers(in: $0.filter { $0 != "[" && $0 != "]" }) }
        for row in weights {
            #expect(row.count == 4 && row.allSatisfy { (0...1).contains($0) } && abs(row.reduce(0, +) - 1) < 2e-4, "\(row)")
        }
        let fused = try #require(lines.first { $0.hasPrefix("fused Variable.scaledDotProductAttention agrees") })
        #expect(try #require(numbers(in: fused).last) < 1e-5)
    }

    @Test func scalingTableShowsStdNearOneScaledAndNearRootDkUnscaled() throws {
        let result = runProgram("self-attention", arguments: ["--seed", "5"])
        #expect(result.exitCode == 0)
        // "  d_k  scaling   std(s)    √d_k  max weight  ‖∂loss/∂s‖" then six rows.
        let rows = result.stdout.split(separator: "\n").filter { $0.contains(" none ") || $0.contains(" scaled ") }
            .map { line in (scaled: line.contains("scaled"), values: numbers(in: line)) }
        try #require(rows.count == 6)
        var unscaled: [Int: [Double]] = [:], scaled: [Int: [Double]] = [:]
        for row in rows {
            let dk = Int(row.values[0])
            if row.scaled { scaled[dk] = row.values } else { unscaled[dk] = row.values }
        }
        #expect(Set(scaled.keys) == [8, 64, 512] && Set(unscaled.keys) == [8, 64, 512])
        for dk in [8, 64, 512] {
            let (s, u) = (scaled[dk]!, unscaled[dk]!)          // [d_k, std, √d_k, max weight, gradient]
            #expect(abs(s[1] - 1) < 0.15, "scaled std at d_k = \(dk): \(s[1])")
            #expect(abs(u[1] / Double(dk).squareRoot() - 1) < 0.15, "unscaled std at d_k = \(dk): \(u[1])")
            #expect(abs(u[2] - Double(dk).squareRoot()) < 0.01)
        }
        #expect(unscaled[512]![3] > 0.99)                                 // one-hot softmax
        #expect(unscaled[512]![4] < scaled[512]![4] / 100)                // vanishing gradient
        #expect(scaled[512]![3] < 0.6)
    }

    @Test func causalMaskZeroesTheFuture() throws {
        let result = runProgram("self-attention", arguments: ["--causal"])
        #expect(result.exitCode == 0)
        let lines = result.stdout.split(separator: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("weights = softmax") })
        let first = numbers(in: lines[start + 1].filter { $0 != "[" && $0 != "]" })
        #expect(first == [1, 0, 0, 0])
        #expect(lines[start - 4].contains("-inf"))                       // scores row 0 is masked past key 0
    }

    @Test func sameSeedSameOutputOtherSeedOtherOutput() {
        let a = runProgram("self-attention", arguments: ["--seed", "3"])
        let b = runProgram("self-attention", arguments: ["--seed=3"])
        let c = runProgram("self-attention", arguments: ["--seed", "4"])
        #expect(a.exitCode == 0 && a.stdout == b.stdout && a.stdout != c.stdout)
    }

    @Test func helpAndBadFlags() {
        let help = runProgram("self-attention", arguments: ["--help"])
        #expect(help.exitCode == 0 && help.stdout.hasPrefix("usage: self-attention"))
        for arguments in [["--bogus"], ["--seed"], ["--seed", "-1"], ["--seed", "x"], ["--causal=yes"], ["extra"]] {
            expectUsageError("self-attention", arguments)
        }
    }
}

// MARK: - attention-viewer

@Suite struct AttentionViewerProgramTests {
    /// Labels with a newline, a space, XML's special characters and a non-ASCII letter.
    static let tokens = ["F", "i", "\n", " ", "<&>", "é"]

    /// Layer 0, head 0: hand-made causal rows whose weights are exactly viridis stops, so the
    /// expected pixel colors are known without recomputing the color map.
    static let handMade: [[Float]] = [
        [1, 0, 0, 0, 0, 0],
        [0.25, 0.75, 0, 0, 0, 0],
        [0.5, 0.25, 0.25, 0, 0, 0],
        [0.25, 0.25, 0.25, 0.25, 0, 0],
        [0, 0, 0.5, 0, 0.5, 0],
        [0.75, 0, 0, 0, 0, 0.25],
    ]
    /// Viridis at 0, 0.25, 0.5, 0.75, 1 (matplotlib's #440154, #3b528b, #21918c, #5ec962, #fde725).
    static let stops: [Float: [UInt8]] = [0: [68, 1, 84], 0.25: [59, 82, 139], 0.5: [33, 145, 140],
                                          0.75: [94, 201, 98], 1: [253, 231, 37]]

    /// Writes a 2-layer, 2-head, T = 6 causal dump: `handMade` in layer 0 head 0, softmax rows
    /// of random scores under a causal mask elsewhere.
    static func writeCausalDump(to path: String) throws {
        var random = RandomGenerator(seed: 7)
        var layers: [String: Tensor] = [:]
        for layer in 0..<2 {
            var values: [Float] = []
            for head in 0..<2 {
                for i in 0..<6 {
                    if layer == 0 && head == 0 { values += handMade[i]; continue }
                    let e = (0...i).map { _ in Float(Foundation.exp(Double(2 * random.normal()))) }
                    let total = e.reduce(0, +)
                    values += e.map { $0 / total } + [Float](repeating: 0, count: 5 - i)
                }
            }
            layers["layer.\(layer)"] = Tensor(shape: [2, 6, 6], scalars: values)
        }
        let tokens = String(decoding: try JSONEncoder().encode(Self.tokens), as: UTF8.self)
        let config = #"{"block_size":6,"dropout":0,"n_embd":8,"n_head":2,"n_layer":2,"vocab_size":65}"#
        try SafeTensorsFile(floatTensors: layers, metadata: ["format": "tapestry-attention", "format_version": "1",
                                                             "tokens": tokens, "iteration": "42", "config": config])
            .write(to: path)
    }

    @Test func printsTheMapAndWritesPNGSVGAndHTML() throws {
        let directory = try scratchDirectory("attention-viewer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let dump = directory.appendingPathComponent("attention.safetensors").path
        try Self.writeCausalDump(to: dump)
        let out = directory.appendingPathComponent("pictures")
        let result = runProgram("attention-viewer", arguments: ["--file", dump, "--out", out.path, "--no-color"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("2 layers x 2 heads, 6 queries x 6 keys, iteration 42"))
        #expect(result.stdout.contains("layer 0, head 0, causal"))
        #expect(!result.stdout.contains("\u{1B}"))                             // --no-color: no escapes
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.contains { $0.hasPrefix("2 \\n ") && $0.hasSuffix("max 0.50 at 0 F") })   // "\n" shown escaped
        #expect(lines.contains { $0.hasPrefix("3 ␣ ") })                                   // " " shown as ␣
        #expect(lines.contains { $0.hasPrefix("0 F    @@  ") })                             // weight 1 is "@@", 0 is "  "
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
                == ["attention-L0-H0.png", "attention-grid.svg", "attention.html"])     // no temporary files left

        // PNG: 32 px per weight; the center of every cell has the weight's color, white when masked.
        let image = try PNG.decode(Array(try Data(contentsOf: out.appendingPathComponent("attention-L0-H0.png"))))
        #expect(image.width == 6 * 32 && image.height == 6 * 32)
        for i in 0..<6 {
            for j in 0..<6 {
                let pixel = image[j * 32 + 16, i * 32 + 16]
                let expected = j > i ? [255, 255, 255] : try #require(Self.stops[Self.handMade[i][j]])
                #expect([pixel.red, pixel.green, pixel.blue] == expected, "cell (\(i), \(j))")
            }
        }

        // SVG: one panel per layer x head; a tooltip per visible cell (21 of 36); the masked future as a path.
        let svg = try XMLElements.parse(out.appendingPathComponent("attention-grid.svg"))
        #expect(svg.filter { $0.attributes["class"] == "panel" }.count == 4)
        #expect(svg.filter { $0.name == "title" }.count == 4 * 21)
        #expect(svg.filter { $0.attributes["class"] == "masked" }.count == 4)
        #expect(svg.contains { $0.name == "text" && $0.text == "<&>" })                       // escaped, read back
        #expect(svg.contains { $0.name == "title" && $0.text == "query 2 \\n → key 1 i: 0.2500" })

        // HTML: two selectors, a canvas, and the weights as JSON inside the page.
        let html = try XMLElements.parse(out.appendingPathComponent("attention.html"))
        let selects = html.filter { $0.name == "select" }.map { $0.attributes["id"] ?? "" }
        #expect(selects == ["layer", "head"])
        #expect(html.filter { $0.name == "option" }.count == 4)
        #expect(html.contains { $0.name == "canvas" })
        let json = try #require(html.first { $0.attributes["id"] == "attention-data" }?.text)
        let data = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(data["queryLabels"] as? [String] == ["F", "i", "\\n", "␣", "<&>", "é"])
        #expect(data["causal"] as? [[Bool]] == [[true, true], [true, true]])
        let maps = try #require(data["maps"] as? [[[[Double]]]])
        #expect(maps.count == 2 && maps[0].count == 2)
        #expect(maps[0][0] == Self.handMade.map { $0.map(Double.init) })
        #expect(html.contains { $0.name == "script" && $0.text.contains("addEventListener(\"mousemove\"") })
    }

    @Test func colorOutputUsesTrueColorCells() throws {
        let directory = try scratchDirectory("attention-viewer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let dump = directory.appendingPathComponent("attention.safetensors").path
        try Self.writeCausalDump(to: dump)
        let result = runProgram("attention-viewer", arguments: ["--file", dump, "--out", directory.path],
                                environment: ["NO_COLOR": ""])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("\u{1B}[48;2;253;231;37m  \u{1B}[0m"))             // weight 1: yellow
        let quiet = runProgram("attention-viewer", arguments: ["--file", dump, "--out", directory.path],
                               environment: ["NO_COLOR": "1"])
        #expect(quiet.exitCode == 0 && !quiet.stdout.contains("\u{1B}"))
    }

    @Test func rectangularCrossAttentionIsNotCausal() throws {
        let directory = try scratchDirectory("attention-viewer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let dump = directory.appendingPathComponent("cross.safetensors").path
        var values: [Float] = []
        for _ in 0..<(2 * 3) { values += [0.5, 0, 0, 0, 0.5] }                         // [2 heads, 3, 5]
        let queries = String(decoding: try JSONEncoder().encode(["le", "chat", "."]), as: UTF8.self)
        let keys = String(decoding: try JSONEncoder().encode(["the", " cat", "sat", "\t", "."]), as: UTF8.self)
        try SafeTensorsFile(floatTensors: ["layer.0": Tensor(shape: [2, 3, 5], scalars: values)],
                            metadata: ["format": "tapestry-attention", "format_version": "1",
                                       "query_tokens": queries, "key_tokens": keys]).write(to: dump)
        let result = runProgram("attention-viewer", arguments: ["--file", dump, "--out", directory.path, "--head", "1", "--no-color"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("1 layers x 2 heads, 3 queries x 5 keys"))
        #expect(result.stdout.contains("layer 0, head 1, not causal"))
        #expect(result.stdout.contains("1 chat  "))
        let image = try PNG.decode(Array(try Data(contentsOf: directory.appendingPathComponent("attention-L0-H1.png"))))
        #expect(image.width == 5 * 32 && image.height == 3 * 32)
        let corner = image[4 * 32 + 5, 2 * 32 + 5]                                   // weight 0.5, not masked
        #expect([corner.red, corner.green, corner.blue] == [33, 145, 140])
        let svg = try XMLElements.parse(directory.appendingPathComponent("attention-grid.svg"))
        #expect(!svg.contains { $0.attributes["class"] == "masked" })
    }

    @Test func fileProblemsExitTwoWithOneLine() throws {
        let directory = try scratchDirectory("attention-viewer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let none = directory.appendingPathComponent("none").path
        let missing = runProgram("attention-viewer", arguments: ["--file", none, "--out", directory.path])
        #expect(missing.exitCode == 2, "stderr: \(missing.stderr)")
        #expect(missing.stderr == "error: attention-viewer: \(none): file not found (run `swift run train` first, or pass --file)\n")
        let model = directory.appendingPathComponent("model.safetensors").path
        try SafeTensorsFile(floatTensors: ["wte": Tensor(zeros: [2, 2])]).write(to: model)
        let wrong = runProgram("attention-viewer", arguments: ["--file", model, "--out", directory.path])
        #expect(wrong.exitCode == 2)
        #expect(wrong.stderr == "error: attention-viewer: \(model): not an attention dump (metadata format is '(none)', expected 'tapestry-attention')\n")
    }

    @Test func misuseExitsTwoWithOneLine() throws {
        let directory = try scratchDirectory("attention-viewer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let dump = directory.appendingPathComponent("attention.safetensors").path
        try Self.writeCausalDump(to: dump)
        let layer = runProgram("attention-viewer", arguments: ["--file", dump, "--layer", "2", "--out", directory.path])
        #expect(layer.exitCode == 2 && layer.stderr == "error: attention-viewer: --layer 2 is out of range: \(dump) has layers 0...1\n")
        expectUsageError("attention-viewer", ["--file", dump, "--head", "2", "--out", directory.path])
        for arguments in [["--bogus"], ["--layer"], ["--layer", "-1"], ["--head", "x"], ["--no-color=1"], ["extra"]] {
            expectUsageError("attention-viewer", arguments)
        }
        let help = runProgram("attention-viewer", arguments: ["--help"])
        #expect(help.exitCode == 0 && help.stdout.hasPrefix("usage: attention-viewer"))
    }
}

// MARK: - positional-encodings

@Suite struct PositionalEncodingsProgramTests {
    @Test func sinusoidalRoPEAndALiBiNumbers() throws {
        let directory = try scratchDirectory("positional-encodings")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = runProgram("positional-encodings", arguments: ["--out", directory.path])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)

        // Sinusoidal, d = 128: row p = 1 is sin(ω₀), cos(ω₀), sin(ω₁), ... with ωᵢ = 10000^(−2i/128).
        let rowOne = numbers(in: try #require(lines.first { $0.hasPrefix("  p=1 ") }).dropFirst(5))
        let expected = (0..<8).map { c in
            let omega = Foundation.pow(10_000, -Double(2 * (c / 2)) / 128)
            return c % 2 == 0 ? Foundation.sin(omega) : Foundation.cos(omega)
        }
        #expect(rowOne.count == 8 && zip(rowOne, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "\(rowOne)")
        // Similarity rows for p = 0, 16, 32 are identical: it depends only on the offset.
        let header = try #require(lines.firstIndex { $0.hasPrefix("similarity S(p, p+k)") })
        let similarity = lines[(header + 2)...(header + 4)].map { numbers(in: $0.split(separator: " ", maxSplits: 1)[1]) }
        #expect(lines[header + 2].hasPrefix("  p=0 ") && lines[header + 4].hasPrefix("  p=32 "))
        #expect(similarity[0].count == 9 && similarity[1] == similarity[0] && similarity[2] == similarity[0])
        #expect(similarity[0].first == 1 && similarity[0][1] < 1)
        let dependence = try #require(lines.first { $0.contains("depends only on the offset") })
        #expect(try #require(numbers(in: dependence.filter { $0 != ")" }).last) < 1e-9)

        // RoPE: every offset's scores agree across query positions; absolute encodings do not.
        #expect(lines.contains { $0.hasPrefix("RoPE relative-offset check: passed") })
        let ropeStart = try #require(lines.firstIndex { $0.hasPrefix("  offset r") })
        let ropeRows = lines[(ropeStart + 1)...].prefix { numbers(in: $0).count == 10 }.map { numbers(in: $0) }
        #expect(ropeRows.count == 8)
        for row in ropeRows {                                         // offset, 7 scores, spread, absolute spread
            let scores = row[1...7]
            #expect(scores.max()! - scores.min()! <= 1e-3, "offset \(row[0]): \(scores)")
            #expect(row[9] > 0.1, "absolute encodings should vary with m at offset \(row[0])")
        }

        // ALiBi, 4 heads: slopes 2^(−8(h+1)/4) = 1/4, 1/16, 1/64, 1/256, bias −m·(i − j), −inf above the diagonal.
        let slopes = [0.25, 0.0625, 0.015625, 0.00390625]
        for (h, slope) in slopes.enumerated() {
            let header = try #require(lines.firstIndex { $0.hasPrefix("head \(h): m = ") })
            #expect(numbers(in: lines[header]).last == slope)
            for i in 0..<6 {
                let row = numbers(in: lines[header + 1 + i])
                let expectedRow = (0..<6).map { j in j <= i ? -slope * Double(i - j) : -.infinity }
                #expect(row.count == 6 && zip(row, expectedRow).allSatisfy { $0 == $1 || abs($0 - $1) < 1e-8 },
                        "head \(h) row \(i): \(row)")
            }
        }

        // The three pictures are well-formed SVG.
        for name in ["sinusoidal.svg", "sinusoidal-similarity.svg", "similarity-by-offset.svg"] {
            let elements = try XMLElements.parse(directory.appendingPathComponent(name))
            #expect(elements.first?.name == "svg")
            #expect(elements.filter { $0.name == "rect" }.count > (name == "similarity-by-offset.svg" ? 0 : 64 * 64))
        }
    }

    @Test func helpAndBadFlags() {
        let help = runProgram("positional-encodings", arguments: ["--help"])
        #expect(help.exitCode == 0 && help.stdout.hasPrefix("usage: positional-encodings"))
        for arguments in [["--bogus"], ["--dimensions", "7"], ["--dimensions", "0"], ["--positions", "1"],
                          ["--positions"], ["--seed", "x"], ["--out", ""], ["extra"]] {
            expectUsageError("positional-encodings", arguments)
        }
    }
}

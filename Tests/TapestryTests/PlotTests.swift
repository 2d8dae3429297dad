// Pictures: LinePlot and HeatmapSVG produce well-formed XML (checked with Foundation's
// XMLParser) that contains every series, label and cell, with hostile text escaped; plus
// the tick and number helpers they share.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Tapestry

/// The elements of an XML document, in order, with their attributes and direct text.
private final class ElementCollector: NSObject, XMLParserDelegate {
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
}

/// Parses `svg` as XML; nil (and a test failure) if it is not well-formed.
private func parseXML(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ElementCollector.Element]? {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = ElementCollector()
    parser.delegate = collector
    let ok = parser.parse()
    #expect(ok, "not well-formed XML: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
    return ok ? collector.elements : nil
}

@Suite struct PlotTests {
    @Test func lossCurveIsWellFormedAndContainsEverySeries() throws {
        var plot = LinePlot(title: "Loss <train & val> \"quoted\"", xLabel: "iteration", yLabel: "cross-entropy")
        plot.series.append(.init(name: "train", x: (0..<50).map { Double($0 * 10) }, y: (0..<50).map { 4.2 * exp(-Double($0) / 20) + 1.4 }))
        plot.series.append(.init(name: "val & <test>", x: [0, 250, 490], y: [4.3, 2.1, 1.8]))
        let elements = try #require(parseXML(plot.svg()))

        #expect(elements.first?.name == "svg")
        #expect(elements.first { $0.attributes["class"] == "title" }?.text == "Loss <train & val> \"quoted\"")
        #expect(elements.first { $0.attributes["class"] == "x-label" }?.text == "iteration")
        #expect(elements.first { $0.attributes["class"] == "y-label" }?.text == "cross-entropy")
        let groups = elements.filter { $0.attributes["class"] == "series" }
        #expect(groups.map { $0.attributes["data-name"] } == ["train", "val & <test>"])
        // One polyline per series, with one "x,y" pair per point.
        let lines = elements.filter { $0.name == "polyline" }
        #expect(lines.map { $0.attributes["points"]!.split(separator: " ").count } == [50, 3])
        #expect(elements.filter { $0.name == "text" }.map(\.text).contains("val & <test>"))  // legend

        // Ticks are round numbers covering the data: x 0...500, y 1...6 in steps of 1.
        let xTicks = elements.filter { $0.name == "text" && $0.attributes["class"] == "tick" }.map(\.text)
        #expect(xTicks == ["0", "100", "200", "300", "400", "500", "1", "2", "3", "4", "5", "6"])
    }

    @Test func pointsLandInsideThePlotAndYGrowsUpward() throws {
        let plot = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", x: [0, 1], y: [0, 1])])
        let line = try #require(parseXML(plot.svg())?.first { $0.name == "polyline" })
        let points = line.attributes["points"]!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        #expect(points[0][0] < points[1][0])          // x increases to the right
        #expect(points[0][1] > points[1][1])          // larger y is higher up (smaller SVG y)
        for point in points {
            #expect(point[0] >= 0 && point[0] <= plot.width && point[1] >= 0 && point[1] <= plot.height)
        }
    }

    @Test func nonFiniteValuesBreakTheLineAndEmptyPlotsStillRender() throws {
        var plot = LinePlot(title: "diverged", xLabel: "i", yLabel: "loss")
        plot.series.append(.init(name: "loss", x: [0, 1, 2, 3, 4, 5], y: [3, 2, .nan, 2, 1, .infinity]))
        plot.series.append(.init(name: "single", points: [(x: 2, y: 2.5)]))
        let elements = try #require(parseXML(plot.svg()))
        #expect(elements.filter { $0.name == "polyline" }.map { $0.attributes["points"]!.split(separator: " ").count } == [2, 2])
        #expect(elements.filter { $0.name == "circle" }.count == 1)   // the lone point is still visible
        #expect(!plot.svg().contains("nan") && !plot.svg().contains("inf"))

        let empty = LinePlot(title: "nothing yet", xLabel: "x", yLabel: "y")
        #expect(parseXML(empty.svg()) != nil)
        var markers = LinePlot(title: "evals", xLabel: "x", yLabel: "y", series: [.init(name: "a", x: [1, 2, 3], y: [5, 5, 5])])
        markers.showsMarkers = true
        #expect(try #require(parseXML(markers.svg())).filter { $0.name == "circle" }.count == 3)
    }

    @Test func heatmapHasOneCellPerValueWithLabelsAndColors() throws {
        let tokens = ["<", "&", "a"]
        let map = HeatmapSVG(values: [[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]],
                             rowLabels: tokens, columnLabels: tokens, title: "head 0 \"causal\"")
        let elements = try #require(parseXML(map.svg()))
        let cells = elements.filter { $0.name == "rect" && $0.attributes["fill"]?.hasPrefix("#") == true && $0.attributes["width"] == "14" }
        #expect(cells.count == 9)
        #expect(cells[0].attributes["fill"] == "#08306b")            // 1 -> dark blue
        #expect(cells[1].attributes["fill"] == "#ffffff")            // 0 -> white
        let tooltips = elements.filter { $0.name == "title" }.map(\.text)
        #expect(tooltips[3] == "row 1 \"&\", column 0 \"<\": 0.5000")
        let labels = elements.filter { $0.name == "text" }.map(\.text)
        #expect(labels.filter { tokens.contains($0) }.count == 6)    // 3 row + 3 column labels
        #expect(labels.contains("head 0 \"causal\""))
    }

    @Test func heatmapFromTensorClampsAndMarksNaN() throws {
        let map = HeatmapSVG(Tensor([[-0.5, 2], [.nan, 0.25]]))
        let fills = try #require(parseXML(map.svg())).filter { $0.name == "title" }.count
        #expect(fills == 4)
        #expect(HeatmapSVG.color(-0.5) == HeatmapSVG.color(0))
        #expect(HeatmapSVG.color(2) == HeatmapSVG.color(1))
        #expect(HeatmapSVG.color(.nan) == "#bbbbbb")
        #expect(HeatmapSVG.color(0.5) == "#8498b5")  // halfway: 131.5, 151.5, 181 rounded to 132, 152, 181
    }

    @Test func numberFormattingAndTicks() {
        #expect(fixed(2.5, decimals: 2) == "2.50")
        #expect(fixed(-0.125, decimals: 1) == "-0.1")
        #expect(fixed(1234567, decimals: 0) == "1234567")
        #expect(fixed(0.30000000000000004, decimals: 1) == "0.3")
        #expect(svgNumber(12.5) == "12.5" && svgNumber(3) == "3" && svgNumber(-0.001) == "0")
        #expect(xmlEscaped("a<b & 'c' \u{01}") == "a&lt;b &amp; &apos;c&apos; ")

        let loss = niceTicks(low: 1.83, high: 4.21)
        #expect(loss.ticks == [1.5, 2, 2.5, 3, 3.5, 4, 4.5])
        #expect(loss.decimals == 1)
        let iterations = niceTicks(low: 0, high: 5000)
        #expect(iterations.ticks == [0, 1000, 2000, 3000, 4000, 5000] && iterations.decimals == 0)
        let flat = niceTicks(low: 2, high: 2)
        #expect(flat.range.contains(2) && flat.range.lowerBound < 2)
        #expect(niceTicks(low: .nan, high: .infinity).range == 0...1)
        #expect(niceTicks(low: -Double.greatestFiniteMagnitude, high: Double.greatestFiniteMagnitude).ticks.count < 20)
    }
}

// The two pictures: the cosine of every pair of tokens as a heat map (the library's HeatmapSVG),
// and every token drawn as its own text at its coordinates on the top two principal components.
//
// In the projection each token is colored by a class the model was never told about (vowel,
// consonant, capital, punctuation, space). After training, classes that are followed by the
// same kinds of characters gather; at iteration 0 the colors are mixed at random. Both axes
// use the same scale, so distances on the page are distances in the projection. Every token
// carries a tooltip with its id and exact coordinates.
// What this is not: a plotting library. One scatter of labels, no ticks (the units of an
// embedding mean nothing by themselves; only directions and relative distances do).
// Lesson: notebooks-md/02-embeddings.md

import Foundation
import Tapestry

/// What kind of character a token is, for the colors of the projection.
enum TokenClass: String, CaseIterable {
    case vowel, consonant, capital, punctuation, space, other

    /// The class of a token's text; longer tokens and bytes that are not text are `other`.
    init(_ token: String?) {
        guard let token, token.unicodeScalars.count == 1, let scalar = token.unicodeScalars.first else { self = .other; return }
        let character = Character(scalar)
        if "aeiou".contains(character) { self = .vowel }
        else if character.isLowercase { self = .consonant }
        else if character.isUppercase { self = .capital }
        else if character.isWhitespace { self = .space }
        else if character.isPunctuation || character.isSymbol { self = .punctuation }
        else { self = .other }
    }

    /// Okabe-Ito colors: distinguishable with the common color-vision deficiencies.
    var color: String {
        switch self {
        case .vowel: "#D55E00"
        case .consonant: "#0072B2"
        case .capital: "#009E73"
        case .punctuation: "#CC79A7"
        case .space: "#E69F00"
        case .other: "#555555"
        }
    }
}

/// The heat map of S for tokens 0 ..< labels.count. Cells hold the cosine itself (the tooltip
/// shows it); the color runs from white at 0 or below to dark blue at 1.
func cosineHeatmap(_ similarity: Tensor, labels: [String], title: String) -> String {
    let n = labels.count
    let values = (0..<n).map { i in (0..<n).map { Double(similarity[i, $0]) } }
    var map = HeatmapSVG(values: values, rowLabels: labels, columnLabels: labels, title: title)
    map.cellSize = max(4, min(14, 900 / Double(n)))
    return map.svg()
}

/// Tokens 0 ..< shown at (PC1, PC2), each drawn as its label in its class's color.
func projectionSVG(_ components: PrincipalComponents, labels: [String], classes: [TokenClass], shown: Int,
                   title: String) -> String {
    let points = (0..<shown).map { (x: components.coordinates[$0][0], y: components.coordinates[$0][1]) }
    let (left, top, plotWidth, plotHeight) = (60.0, 70.0, 640.0, 560.0)
    let (xs, ys) = (points.map(\.x), points.map(\.y))
    let (xLow, xHigh, yLow, yHigh) = (xs.min() ?? 0, xs.max() ?? 0, ys.min() ?? 0, ys.max() ?? 0)
    // One scale for both axes (the larger spread decides), centered; 24 px kept free at the edges.
    let scale = min((plotWidth - 48) / max(xHigh - xLow, 1e-12), (plotHeight - 48) / max(yHigh - yLow, 1e-12))
    func pixel(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        (left + plotWidth / 2 + (x - (xLow + xHigh) / 2) * scale, top + plotHeight / 2 - (y - (yLow + yHigh) / 2) * scale)
    }
    let origin = pixel(0, 0)
    let (width, height) = (left + plotWidth + 150, top + plotHeight + 50)
    var out = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(number(width))" height="\(number(height))" \
    viewBox="0 0 \(number(width)) \(number(height))" font-family="sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>
    <text x="\(number(left))" y="24" font-size="15">\(escaped(title))</text>
    <text x="\(number(left))" y="44" fill="#555">same scale on both axes; hover over a token for its id and coordinates</text>
    <rect x="\(number(left))" y="\(number(top))" width="\(number(plotWidth))" height="\(number(plotHeight))" fill="none" stroke="#999"/>
    <path d="M\(number(left)) \(number(origin.y))h\(number(plotWidth))M\(number(origin.x)) \(number(top))v\(number(plotHeight))" \
    stroke="#ccc" stroke-dasharray="4 4" fill="none"/>
    <text x="\(number(left + plotWidth / 2))" y="\(number(top + plotHeight + 30))" text-anchor="middle">\
    PC1 (\(percent(components.fraction(0))) of the variance)</text>
    <text transform="translate(\(number(left - 20)),\(number(top + plotHeight / 2))) rotate(-90)" text-anchor="middle">\
    PC2 (\(percent(components.fraction(1))) of the variance)</text>
    <g class="tokens" text-anchor="middle" font-family="monospace" font-size="14">

    """
    for (id, point) in points.enumerated() {
        let p = pixel(point.x, point.y)
        let tip = "id \(id) \(labels[id]) (\(classes[id].rawValue)): PC1 \(exact(point.x)), PC2 \(exact(point.y))"
        out += "<text class=\"token\" x=\"\(number(p.x))\" y=\"\(number(p.y + 5))\" fill=\"\(classes[id].color)\">"
        out += "\(escaped(labels[id]))<title>\(escaped(tip))</title></text>\n"
    }
    out += "</g>\n<g class=\"legend\">\n"
    for (row, kind) in TokenClass.allCases.enumerated() {
        let y = top + 16 + Double(row) * 20
        out += "<rect x=\"\(number(left + plotWidth + 16))\" y=\"\(number(y - 10))\" width=\"12\" height=\"12\" fill=\"\(kind.color)\"/>"
        out += "<text x=\"\(number(left + plotWidth + 34))\" y=\"\(number(y))\">\(kind.rawValue)</text>\n"
    }
    return out + "</g>\n</svg>\n"
}

/// Writes each (name, text) into `directory`, which must exist, atomically (a reader never sees
/// half a file) and returns the paths written.
func writePictures(_ files: [(name: String, text: String)], to directory: String) throws(FileError) -> [String] {
    var paths: [String] = []
    for file in files {
        let path = (directory as NSString).appendingPathComponent(file.name)
        try AtomicFile.write(text: file.text, to: path)
        paths.append(path)
    }
    return paths
}

/// A coordinate with at most 2 decimals.
private func number(_ value: Double) -> String { String(format: "%.2f", value) }
/// A share as a percentage with one decimal: `12.3%`.
func percent(_ fraction: Double) -> String { String(format: "%.1f%%", 100 * fraction) }
/// Six significant digits, enough for a test to recompute variances from the tooltips.
private func exact(_ value: Double) -> String { String(format: "%.6g", value) }

/// Text for XML character data and attributes (the labels are already free of control characters).
private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

// The viewer's picture files: one head as a PNG, every layer x head as one SVG grid.
//
// PNG: one square of `cellSize` pixels per weight, query i's row at the top-left y = i·cell,
// key j's column at x = j·cell, colored by `attentionColor`. No text: a PNG has no fonts, so
// the labels live in the terminal map, the SVG and the HTML page.
// SVG: layers down, heads across. Each panel is a square grid with its title; tokens label
// the rows and columns when the cells are big enough to hold text, and every cell has a
// tooltip with its exact weight when the maps are small enough (32 x 32) to keep the file light.
// What this is not: a plotting library (the library's HeatmapSVG draws one labelled map).

import Foundation
import Tapestry

/// Pixels per weight in the PNG: the map is about 512 pixels on its longer side, with squares
/// of 1 to 32 pixels.
func pngCellSize(queries: Int, keys: Int) -> Int {
    max(1, min(32, 512 / max(queries, keys)))
}

/// One head's weights as an image; masked cells stay white.
func headImage(_ rows: [[Float]], masked: (Int, Int) -> Bool = { _, _ in false }) -> RGBImage {
    let (queries, keys) = (rows.count, rows[0].count)
    let cell = pngCellSize(queries: queries, keys: keys)
    var image = RGBImage(width: keys * cell, height: queries * cell)
    for (i, row) in rows.enumerated() {
        for (j, value) in row.enumerated() {
            let color = masked(i, j) ? maskedColor : attentionColor(value)
            image.fillRectangle(x: j * cell, y: i * cell, width: cell, height: cell, color: color)
        }
    }
    return image
}

/// Every layer (down) by every head (across) in one SVG document.
func gridSVG(_ dump: AttentionMaps) -> String {
    let (queries, keys) = (dump.queryCount, dump.keyCount)
    let cell = max(2, min(16, 192 / max(queries, keys)))            // a panel is at most ~192 px
    let labelled = cell >= 9                                        // room for 1-2 characters
    let tooltips = queries * keys <= 32 * 32
    let rowLabels = dump.queryLabels.map { shortened(visibleLabel($0), to: 4) }
    let columnLabels = dump.keyLabels.map { shortened(visibleLabel($0), to: 4) }
    let margin = labelled ? 34 : 8                                  // room for labels left of and above a map
    let panelWidth = margin + keys * cell + 16, panelHeight = 22 + margin + queries * cell + 16
    let width = max(16 + dump.heads * panelWidth, 480), height = 56 + dump.layers.count * panelHeight
    let background = hexColor(attentionColor(0))

    var out = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
    font-family="sans-serif" font-size="\(labelled ? min(cell - 2, 11) : 11)">
    <rect width="100%" height="100%" fill="white"/>
    <text x="16" y="24" font-size="15">Attention: \(dump.layers.count) layers x \(dump.heads) heads, \(queries) queries x \(keys) keys</text>
    <text x="16" y="42" font-size="11" fill="#555">rows: queries, columns: keys; dark purple 0, yellow 1, white: masked</text>

    """
    for layer in dump.layers.indices {
        for head in 0..<dump.heads {
            let left = 16 + head * panelWidth + margin, top = 56 + layer * panelHeight + 22 + margin
            let rows = dump.map(layer: layer, head: head)
            let masked = dump.masked(layer: layer, head: head)
            out += "<g class=\"panel\" id=\"layer\(layer)-head\(head)\">\n"
            out += "<text x=\"\(left)\" y=\"\(top - margin - 8)\" font-size=\"12\">layer \(layer), head \(head)</text>\n"
            // The panel starts in the color of 0, so only cells of another color need a <rect>; then
            // the masked future, one white strip per row, covers the top-right of a causal map.
            out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(keys * cell)\" height=\"\(queries * cell)\" fill=\"\(background)\"/>\n"
            var maskPath = ""
            for (i, row) in rows.enumerated() {
                if let first = row.indices.first(where: { masked(i, $0) }) {
                    maskPath += "M\(left + first * cell) \(top + i * cell)h\((keys - first) * cell)v\(cell)h-\((keys - first) * cell)z"
                }
                for (j, value) in row.enumerated() where !masked(i, j) {
                    let fill = hexColor(attentionColor(value))
                    guard fill != background || tooltips else { continue }
                    out += "<rect x=\"\(left + j * cell)\" y=\"\(top + i * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(fill)\""
                    if tooltips {
                        let text = "query \(i) \(visibleLabel(dump.queryLabels[i])) → key \(j) \(visibleLabel(dump.keyLabels[j])): \(format4(value))"
                        out += "><title>\(xmlEscaped(text))</title></rect>\n"
                    } else {
                        out += "/>\n"
                    }
                }
            }
            if !maskPath.isEmpty { out += "<path class=\"masked\" d=\"\(maskPath)\" fill=\"white\"/>\n" }
            if labelled {
                for (i, label) in rowLabels.enumerated() {
                    out += "<text x=\"\(left - 3)\" y=\"\(top + i * cell + cell - 2)\" text-anchor=\"end\">\(xmlEscaped(label))</text>\n"
                }
                for (j, label) in columnLabels.enumerated() {
                    out += "<text transform=\"translate(\(left + j * cell + cell - 2),\(top - 3)) rotate(-90)\">\(xmlEscaped(label))</text>\n"
                }
            }
            out += "</g>\n"
        }
    }
    out += "</svg>\n"
    return out
}

/// A weight with 4 decimals: "0.1234".
func format4(_ value: Float) -> String { String(format: "%.4f", Double(value)) }

/// Text safe inside XML elements and attributes: & < > " ' escaped; the control characters
/// XML 1.0 forbids (labels show them escaped anyway) dropped.
func xmlEscaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t": continue
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

// The colors of every picture the viewer makes, and the heat map it prints in the terminal.
//
// Colors: viridis (matplotlib's default map), interpolated linearly between five of its
// stops. Dark purple is 0, yellow is 1; it reads on dark and light backgrounds alike, stays
// ordered when printed in gray, and is distinguishable with the common color-vision deficiencies.
// The terminal map paints each weight as two spaces with a 24-bit ANSI background color
// (`ESC[48;2;R;G;Bm`); with --no-color it uses the characters " .:-=+*#%@" instead. The masked
// future of a causal map is not a weight at all: every picture leaves it blank (white).

import Foundation

/// Viridis at 0, 0.25, 0.5, 0.75 and 1 (#440154, #3b528b, #21918c, #5ec962, #fde725).
let viridisStops: [(red: Double, green: Double, blue: Double)] = [
    (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
]

/// The color of a weight: `value` clamped to [0, 1] (NaN counts as 0), then interpolated
/// linearly between the two nearest viridis stops and rounded to bytes.
func attentionColor(_ value: Float) -> (red: UInt8, green: UInt8, blue: UInt8) {
    let t = value.isNaN ? 0 : Double(min(max(value, 0), 1))
    let position = t * Double(viridisStops.count - 1)
    let low = min(Int(position), viridisStops.count - 2)
    let f = position - Double(low)
    let (a, b) = (viridisStops[low], viridisStops[low + 1])
    func mix(_ x: Double, _ y: Double) -> UInt8 { UInt8((x + (y - x) * f).rounded()) }
    return (mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
}

/// The color of a masked cell (a future key in a causal map): white, outside the scale.
let maskedColor: (red: UInt8, green: UInt8, blue: UInt8) = (255, 255, 255)

/// `#rrggbb` for SVG and HTML.
func hexColor(_ color: (red: UInt8, green: UInt8, blue: UInt8)) -> String {
    let digits = Array("0123456789abcdef")
    return "#" + [color.red, color.green, color.blue].map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined()
}

/// The ramp of --no-color: 0 is a space, 1 is `@`.
let shadeCharacters = Array(" .:-=+*#%@")

/// One cell, two characters wide; a masked cell is left blank.
func terminalCell(_ value: Float, color: Bool, masked: Bool = false) -> String {
    if masked { return "  " }
    if color {
        let c = attentionColor(value)
        return "\u{1B}[48;2;\(c.red);\(c.green);\(c.blue)m  \u{1B}[0m"
    }
    let t = value.isNaN ? 0 : min(max(value, 0), 1)
    let shade = shadeCharacters[Int((t * Float(shadeCharacters.count - 1)).rounded())]
    return String([shade, shade])
}

/// The heat map of one head: key labels written downwards above the columns, then one line
/// per query with its position and label, its cells, and the key it attends to most.
func terminalHeatmap(_ rows: [[Float]], queryLabels: [String], keyLabels: [String], color: Bool,
                     masked: (Int, Int) -> Bool = { _, _ in false }) -> String {
    let keys = keyLabels.map { Array(visibleLabel($0)) }
    // Row labels: the position right-aligned, then the token left-aligned: " 9 a", "10 \\n".
    let tokens = queryLabels.map { shortened(visibleLabel($0), to: 10) }
    let digits = String(max(queryLabels.count - 1, 0)).count, tokenWidth = tokens.map(\.count).max() ?? 0
    let queries = tokens.enumerated().map { i, token in
        let position = String(i)
        return String(repeating: " ", count: digits - position.count) + position + " "
            + token + String(repeating: " ", count: tokenWidth - token.count)
    }
    let labelWidth = digits + 1 + tokenWidth
    let indent = String(repeating: " ", count: labelWidth + 2)
    var lines: [String] = []
    // Column labels, one character per line, at most 3 lines (longer tokens end with "…").
    let labelLines = min(3, keys.map(\.count).max() ?? 0)
    for line in 0..<labelLines {
        lines.append(indent + keys.map { key in
            let character: Character = line < key.count ? (line == labelLines - 1 && key.count > labelLines ? "…" : key[line]) : " "
            return "\(character) "
        }.joined())
    }
    for (i, row) in rows.enumerated() {
        let label = queries[i]
        let best = row.indices.max { row[$0] < row[$1] } ?? 0
        let cells = row.indices.map { terminalCell(row[$0], color: color, masked: masked(i, $0)) }.joined()
        lines.append("\(label)  \(cells)  max \(format(row[best])) at \(best) \(visibleLabel(keyLabels[best]))")
    }
    let scale = stride(from: Float(0), through: 1, by: 0.125).map { terminalCell($0, color: color) }.joined()
    lines.append("")
    lines.append("\(indent)0 \(scale) 1")
    return lines.joined(separator: "\n")
}

/// `text`, cut to `limit` characters with a trailing "…".
func shortened(_ text: String, to limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
}

/// A weight with 2 decimals: "0.62".
func format(_ value: Float) -> String { String(format: "%.2f", Double(value)) }

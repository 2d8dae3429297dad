// HeatmapSVG: a matrix of values in [0, 1] drawn as a grid of colored squares.
//
// What it is: the picture of an attention map, rows = queries, columns = keys, darker =
// more attention, with optional row and column labels (the characters or tokens) and a
// tooltip on every cell giving its exact value.
// What it is not: a color-scale chooser. Values are clamped to [0, 1] and mapped from white
// to dark blue; NaN cells are gray.

/// A grid of colored cells, one per matrix entry, rendered to SVG.
///
/// ```swift
/// let map = HeatmapSVG(values: [[1, 0], [0.3, 0.7]], rowLabels: ["a", "b"],
///                      columnLabels: ["a", "b"], title: "layer 0, head 1")
/// try AtomicFile.write(text: map.svg(), to: "out/attention.svg")
/// ```
public struct HeatmapSVG: Sendable {
    /// Rows of values in [0, 1]; every row has the same length.
    public var values: [[Double]]
    /// One label per row (drawn left of the grid), or empty for none.
    public var rowLabels: [String]
    /// One label per column (drawn above the grid, rotated), or empty for none.
    public var columnLabels: [String]
    /// Text above the picture.
    public var title: String
    /// Side of one cell in pixels.
    public var cellSize: Double = 14

    public init(values: [[Double]], rowLabels: [String] = [], columnLabels: [String] = [], title: String = "") {
        let columns = values.first?.count ?? 0
        precondition(values.allSatisfy { $0.count == columns },
                     "HeatmapSVG: rows have different lengths \(Set(values.map(\.count)).sorted())")
        precondition(rowLabels.isEmpty || rowLabels.count == values.count,
                     "HeatmapSVG: \(rowLabels.count) row labels for \(values.count) rows")
        precondition(columnLabels.isEmpty || columnLabels.count == columns,
                     "HeatmapSVG: \(columnLabels.count) column labels for \(columns) columns")
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.title = title
    }

    /// A heatmap of a rank-2 tensor `[rows, columns]`, e.g. one head's attention weights.
    public init(_ matrix: Tensor, rowLabels: [String] = [], columnLabels: [String] = [], title: String = "") {
        precondition(matrix.rank == 2, "HeatmapSVG: expected a [rows, columns] tensor, got shape \(matrix.shape)")
        let columns = matrix.shape[1]
        let scalars = matrix.scalars.map(Double.init)
        let rows = (0..<matrix.shape[0]).map { Array(scalars[($0 * columns)..<(($0 + 1) * columns)]) }
        self.init(values: rows, rowLabels: rowLabels, columnLabels: columnLabels, title: title)
    }

    /// Fill color for a value: white at 0, dark blue (#08306b) at 1, linear in between.
    static func color(_ value: Double) -> String {
        guard !value.isNaN else { return "#bbbbbb" }
        let t = min(max(value, 0), 1)
        let hex = Array("0123456789abcdef")
        func channel(_ low: Double, _ high: Double) -> String {
            let v = Int((low + (high - low) * t).rounded())
            return String([hex[v >> 4], hex[v & 15]])
        }
        return "#" + channel(255, 8) + channel(255, 48) + channel(255, 107)
    }

    /// The heatmap as a standalone SVG document.
    public func svg() -> String {
        let rows = values.count
        let columns = values.first?.count ?? 0
        // Room for labels: about 7 px per character at font size 11.
        let labelLeft = 8 + 7 * Double(rowLabels.map(\.count).max() ?? 0)
        let labelTop = 8 + 7 * Double(columnLabels.map(\.count).max() ?? 0)
        let gridLeft = 12 + labelLeft
        let gridTop = (title.isEmpty ? 8 : 36) + labelTop
        let gridWidth = Double(columns) * cellSize
        let gridHeight = Double(rows) * cellSize
        let width = gridLeft + max(gridWidth, 120) + 70          // 70: the color bar
        let height = gridTop + max(gridHeight, 100) + 12

        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" \
        viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>

        """
        if !title.isEmpty {
            out += "<text class=\"title\" x=\"\(svgNumber(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(xmlEscaped(title))</text>\n"
        }

        // Cells, row by row, each with a tooltip naming its position and exact value.
        out += "<g class=\"cells\">\n"
        for (r, row) in values.enumerated() {
            for (c, value) in row.enumerated() {
                let rowName = rowLabels.isEmpty ? "row \(r)" : "row \(r) \"\(rowLabels[r])\""
                let columnName = columnLabels.isEmpty ? "column \(c)" : "column \(c) \"\(columnLabels[c])\""
                out += "<rect x=\"\(svgNumber(gridLeft + Double(c) * cellSize))\" y=\"\(svgNumber(gridTop + Double(r) * cellSize))\" "
                out += "width=\"\(svgNumber(cellSize))\" height=\"\(svgNumber(cellSize))\" fill=\"\(HeatmapSVG.color(value))\">"
                out += "<title>\(xmlEscaped("\(rowName), \(columnName): \(fixed(value, decimals: 4))"))</title></rect>\n"
            }
        }
        out += "</g>\n"

        // Labels: rows right-aligned to the left of the grid, columns rotated above it.
        if !rowLabels.isEmpty {
            out += "<g class=\"row-labels\" text-anchor=\"end\">\n"
            for (r, label) in rowLabels.enumerated() {
                let y = gridTop + (Double(r) + 0.5) * cellSize
                out += "<text x=\"\(svgNumber(gridLeft - 4))\" y=\"\(svgNumber(y))\" dy=\"4\">\(xmlEscaped(label))</text>\n"
            }
            out += "</g>\n"
        }
        if !columnLabels.isEmpty {
            out += "<g class=\"column-labels\" text-anchor=\"start\">\n"
            for (c, label) in columnLabels.enumerated() {
                let x = gridLeft + (Double(c) + 0.5) * cellSize
                out += "<text transform=\"translate(\(svgNumber(x)),\(svgNumber(gridTop - 4))) rotate(-90)\" dy=\"4\">\(xmlEscaped(label))</text>\n"
            }
            out += "</g>\n"
        }

        // Color bar: 0 at the bottom, 1 at the top.
        let barLeft = gridLeft + max(gridWidth, 120) + 16
        out += """
        <defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">\
        <stop offset="0" stop-color="\(HeatmapSVG.color(0))"/><stop offset="1" stop-color="\(HeatmapSVG.color(1))"/>\
        </linearGradient></defs>
        <g class="color-bar">
        <rect x="\(svgNumber(barLeft))" y="\(svgNumber(gridTop))" width="12" height="100" fill="url(#scale)" stroke="#999"/>
        <text x="\(svgNumber(barLeft + 16))" y="\(svgNumber(gridTop + 100))">0</text>
        <text x="\(svgNumber(barLeft + 16))" y="\(svgNumber(gridTop + 10))">1</text>
        </g>
        </svg>

        """
        return out
    }
}

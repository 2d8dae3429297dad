// LinePlot: named series of (x, y) points drawn as an SVG line chart.
//
// What it is: a loss curve for people who would rather look than read: title, axes with
// round-number ticks and labels, axis titles, one colored line per series and a legend.
// Open the .svg in any browser. Points that are not finite (a NaN loss) break the line
// instead of breaking the picture.
// What it is not: a plotting library. Linear axes only; no log scale, no subplots.
//
//   ┌────────────── title ───────────────┐
//   │ 4 ┤╲                  ┌──────────┐ │
//   │   │ ╲___              │ — train  │ │
//   │ 2 ┤     ‾‾‾‾‾‾‾‾‾‾‾‾  │ — val    │ │
//   │   └──┬─────┬─────┬─── └──────────┘ │
//   │      0   1000  2000   x title      │
//   └────────────────────────────────────┘

/// A line chart of named series, rendered to SVG.
///
/// ```swift
/// var plot = LinePlot(title: "Loss", xLabel: "iteration", yLabel: "cross-entropy")
/// plot.series.append(.init(name: "train", x: [0, 100, 200], y: [4.2, 2.5, 2.1]))
/// plot.series.append(.init(name: "val", x: [0, 200], y: [4.2, 2.3]))
/// try AtomicFile.write(text: plot.svg(), to: "out/loss.svg")
/// ```
public struct LinePlot: Sendable {
    /// One named line.
    public struct Series: Sendable {
        /// Shown in the legend.
        public var name: String
        /// Points in drawing order.
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }

        /// Points from two equally long arrays.
        public init(name: String, x: [Double], y: [Double]) {
            precondition(x.count == y.count, "LinePlot.Series \"\(name)\": \(x.count) x values but \(y.count) y values")
            self.init(name: name, points: Array(zip(x, y)))
        }
    }

    /// Text above the chart.
    public var title: String
    /// Text under the x axis.
    public var xLabel: String
    /// Text beside the y axis.
    public var yLabel: String
    /// The lines, drawn in order with colors from a color-blind-safe palette.
    public var series: [Series]
    /// Picture size in pixels.
    public var width: Double = 720
    public var height: Double = 440
    /// Draw a dot at every point (useful when series have few points, e.g. evaluations).
    public var showsMarkers = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        // Plot area inside the margins.
        let (left, right, top, bottom) = (72.0, width - 24, 44.0, height - 56)
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xAxis = niceTicks(low: finite.map(\.x).min() ?? 0, high: finite.map(\.x).max() ?? 1)
        let yAxis = niceTicks(low: finite.map(\.y).min() ?? 0, high: finite.map(\.y).max() ?? 1)
        // Data to pixels: x grows right, y grows up (SVG's y grows down).
        func px(_ x: Double) -> Double {
            left + (x - xAxis.range.lowerBound) / (xAxis.range.upperBound - xAxis.range.lowerBound) * (right - left)
        }
        func py(_ y: Double) -> Double {
            bottom - (y - yAxis.range.lowerBound) / (yAxis.range.upperBound - yAxis.range.lowerBound) * (bottom - top)
        }

        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(svgNumber(width))" height="\(svgNumber(height))" \
        viewBox="0 0 \(svgNumber(width)) \(svgNumber(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text class="title" x="\(svgNumber(width / 2))" y="26" text-anchor="middle" font-size="16">\(xmlEscaped(title))</text>

        """

        // Grid lines and tick labels.
        out += "<g class=\"x-ticks\" stroke=\"#e0e0e0\">\n"
        for tick in xAxis.ticks {
            let x = svgNumber(px(tick))
            out += "<line x1=\"\(x)\" y1=\"\(svgNumber(top))\" x2=\"\(x)\" y2=\"\(svgNumber(bottom + 4))\"/>"
            out += "<text class=\"tick\" x=\"\(x)\" y=\"\(svgNumber(bottom + 18))\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333\">"
            out += "\(fixed(tick, decimals: xAxis.decimals))</text>\n"
        }
        out += "</g>\n<g class=\"y-ticks\" stroke=\"#e0e0e0\">\n"
        for tick in yAxis.ticks {
            let y = svgNumber(py(tick))
            out += "<line x1=\"\(svgNumber(left - 4))\" y1=\"\(y)\" x2=\"\(svgNumber(right))\" y2=\"\(y)\"/>"
            out += "<text class=\"tick\" x=\"\(svgNumber(left - 8))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\" stroke=\"none\" fill=\"#333\">"
            out += "\(fixed(tick, decimals: yAxis.decimals))</text>\n"
        }
        out += "</g>\n"

        // Axes and their titles.
        out += """
        <path class="axes" d="M\(svgNumber(left)),\(svgNumber(top)) V\(svgNumber(bottom)) H\(svgNumber(right))" fill="none" stroke="#333"/>
        <text class="x-label" x="\(svgNumber((left + right) / 2))" y="\(svgNumber(height - 12))" text-anchor="middle">\(xmlEscaped(xLabel))</text>
        <text class="y-label" transform="translate(18,\(svgNumber((top + bottom) / 2))) rotate(-90)" text-anchor="middle">\(xmlEscaped(yLabel))</text>

        """

        // Lines: one polyline per run of finite points.
        for (index, line) in series.enumerated() {
            let color = seriesPalette[index % seriesPalette.count]
            out += "<g class=\"series\" data-name=\"\(xmlEscaped(line.name))\" stroke=\"\(color)\" fill=\"\(color)\">\n"
            var run: [String] = []
            func flush() {
                if run.count > 1 { out += "<polyline points=\"\(run.joined(separator: " "))\" fill=\"none\" stroke-width=\"1.5\"/>\n" }
                run.removeAll()
            }
            for point in line.points {
                guard point.x.isFinite && point.y.isFinite else { flush(); continue }
                let (x, y) = (svgNumber(px(point.x)), svgNumber(py(point.y)))
                run.append("\(x),\(y)")
                if showsMarkers { out += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"2.5\" stroke=\"none\"/>\n" }
            }
            // A lone point has no line to draw; mark it so it is not invisible.
            if run.count == 1 && !showsMarkers {
                let xy = run[0].split(separator: ",")
                out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" stroke=\"none\"/>\n"
            }
            flush()
            out += "</g>\n"
        }

        // Legend in the top-right corner of the plot area.
        if !series.isEmpty {
            let longest = series.map(\.name.count).max() ?? 0
            let boxWidth = 40 + 7 * Double(longest)
            let boxLeft = right - boxWidth - 8
            out += "<g class=\"legend\">\n"
            out += "<rect x=\"\(svgNumber(boxLeft))\" y=\"\(svgNumber(top + 8))\" width=\"\(svgNumber(boxWidth))\" "
            out += "height=\"\(svgNumber(Double(series.count) * 18 + 8))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n"
            for (index, line) in series.enumerated() {
                let y = top + 8 + 4 + 18 * Double(index) + 9
                let color = seriesPalette[index % seriesPalette.count]
                out += "<line x1=\"\(svgNumber(boxLeft + 8))\" y1=\"\(svgNumber(y))\" x2=\"\(svgNumber(boxLeft + 28))\" y2=\"\(svgNumber(y))\" "
                out += "stroke=\"\(color)\" stroke-width=\"2\"/>"
                out += "<text x=\"\(svgNumber(boxLeft + 34))\" y=\"\(svgNumber(y))\" dy=\"4\">\(xmlEscaped(line.name))</text>\n"
            }
            out += "</g>\n"
        }
        out += "</svg>\n"
        return out
    }
}

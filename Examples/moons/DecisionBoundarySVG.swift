// DecisionBoundarySVG: draws the trained classifier as an SVG image.
//
// The plane around the data is cut into a grid (60 × 60 cells by default); the model scores
// every cell centre in one batch, and each cell is shaded by the predicted class. Runs of
// same-class cells in a row are merged into one rectangle, so the file stays small. The data
// points are drawn on top, coloured by their true class: a point sitting on the other colour
// is misclassified.
// What it is not: a plotting library. No axes or ticks; the picture is the boundary.

import Tapestry

/// The region of the plane to draw, in data coordinates.
struct PlotBounds {
    var minX: Float, maxX: Float, minY: Float, maxY: Float

    /// The points' bounding box with `margin` added on every side.
    init(around points: Tensor, margin: Float) {
        let xs = (0..<points.shape[0]).map { points[$0, 0] }
        let ys = (0..<points.shape[0]).map { points[$0, 1] }
        minX = xs.min()! - margin; maxX = xs.max()! + margin
        minY = ys.min()! - margin; maxY = ys.max()! + margin
    }
}

/// The centres of a `resolution × resolution` grid over `bounds`, row by row from the top:
/// [resolution², 2].
func gridPoints(_ bounds: PlotBounds, resolution: Int) -> Tensor {
    var coordinates: [Float] = []
    coordinates.reserveCapacity(2 * resolution * resolution)
    for row in 0..<resolution {
        let y = bounds.maxY - (Float(row) + 0.5) / Float(resolution) * (bounds.maxY - bounds.minY)
        for column in 0..<resolution {
            let x = bounds.minX + (Float(column) + 0.5) / Float(resolution) * (bounds.maxX - bounds.minX)
            coordinates += [x, y]
        }
    }
    return Tensor(shape: [resolution * resolution, 2], scalars: coordinates)
}

/// The SVG document: shaded grid (from `gridScores`, [resolution², 1], in `gridPoints` order),
/// then the data points, then a caption.
func decisionBoundarySVG(bounds: PlotBounds, resolution: Int, gridScores: Tensor,
                         points: Tensor, labels: Tensor, caption: String, width: Int = 480) -> String {
    let height = Int((Float(width) * (bounds.maxY - bounds.minY) / (bounds.maxX - bounds.minX)).rounded())
    let cellWidth = Float(width) / Float(resolution), cellHeight = Float(height) / Float(resolution)
    func pixel(_ x: Float, _ y: Float) -> (Float, Float) {
        ((x - bounds.minX) / (bounds.maxX - bounds.minX) * Float(width),
         (bounds.maxY - y) / (bounds.maxY - bounds.minY) * Float(height))
    }
    func number(_ value: Float) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
    let negativeShade = "#f4c7c3", positiveShade = "#c6dafc"      // light red / light blue
    let negativeColor = "#c5221f", positiveColor = "#1a56db"

    var svg = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height + 24)" \
    viewBox="0 0 \(width) \(height + 24)">
    <title>moons: decision boundary of a 2-16-16-1 MLP</title>
    <rect width="100%" height="100%" fill="#fff"/>
    <g id="boundary" shape-rendering="crispEdges">

    """
    for row in 0..<resolution {
        var start = 0
        while start < resolution {
            let positive = gridScores[flat: row * resolution + start] > 0
            var end = start + 1
            while end < resolution && (gridScores[flat: row * resolution + end] > 0) == positive { end += 1 }
            svg += "<rect x=\"\(number(Float(start) * cellWidth))\" y=\"\(number(Float(row) * cellHeight))\" "
                + "width=\"\(number(Float(end - start) * cellWidth))\" height=\"\(number(cellHeight))\" "
                + "fill=\"\(positive ? positiveShade : negativeShade)\"/>\n"
            start = end
        }
    }
    svg += "</g>\n<g id=\"points\" stroke=\"#000\" stroke-width=\"0.8\">\n"
    for i in 0..<points.shape[0] {
        let (px, py) = pixel(points[i, 0], points[i, 1])
        let color = labels[flat: i] > 0 ? positiveColor : negativeColor
        svg += "<circle cx=\"\(number(px))\" cy=\"\(number(py))\" r=\"4\" fill=\"\(color)\"/>\n"
    }
    svg += """
    </g>
    <text x="6" y="\(height + 17)" font-family="sans-serif" font-size="13">\(escapeXML(caption))</text>
    </svg>

    """
    return svg
}

/// `text` with the five XML special characters replaced by entities.
func escapeXML(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        default: result.append(character)
        }
    }
    return result
}

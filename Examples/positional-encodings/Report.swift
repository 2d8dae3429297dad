// The program's printed report and picture files, one function per scheme.

import Foundation
import Tapestry

/// The sinusoidal part: a corner of the table, similarity by offset at a few starting
/// positions, the offset-only check, and three SVG files in `directory` (which must exist).
func sinusoidalReport(positions: Int, dimensions: Int, directory: String) throws(FileError) -> String {
    let table = sinusoidalTable(positions: positions, dimensions: dimensions)
    let similarity = similarityMatrix(table)
    let error = offsetDependenceError(similarity)
    var lines = ["Sinusoidal encodings: PE[p, 2i] = sin(p·ωᵢ), PE[p, 2i+1] = cos(p·ωᵢ), ωᵢ = 10000^(-2i/d), "
                 + "\(positions) positions x \(dimensions) dimensions",
                 "PE[0..<6, 0..<8] (each column pair is one frequency; the fastest turns 1 radian per position):"]
    for p in 0..<min(6, positions) {
        lines.append("  p=\(p)  " + table[p].prefix(8).map { String(format: "%7.4f", $0) }.joined(separator: " "))
    }
    let offsets = Array(0..<min(9, positions))
    lines.append("similarity S(p, p+k) = PE[p]·PE[p+k] / (d/2), by offset k:")
    lines.append("        " + offsets.map { padded("k=\($0)", to: 7) }.joined(separator: " "))
    for p in [0, positions / 4, positions / 2] where p + offsets.count <= positions {
        lines.append(String(format: "  p=%-4d", p) + offsets.map { String(format: "%7.4f", similarity[p][p + $0]) }.joined(separator: " "))
    }
    lines.append(String(format: "the same for every p: S depends only on the offset (largest difference %.1e)", error))

    var tableMap = HeatmapSVG(values: table.map { $0.map { ($0 + 1) / 2 } },
                              rowLabels: (0..<positions).map(String.init), columnLabels: [],
                              title: "Sinusoidal PE [\(positions) positions x \(dimensions) dimensions], color = (PE + 1) / 2")
    tableMap.cellSize = max(2, min(14, 900 / Double(max(positions, dimensions))))
    // Colors stretched from the smallest S (white) to 1 (dark): the band along the diagonal.
    let lowest = similarity.joined().min() ?? 0
    var similarityMap = HeatmapSVG(values: similarity.map { $0.map { ($0 - lowest) / (1 - lowest) } },
                                   rowLabels: (0..<positions).map(String.init), columnLabels: (0..<positions).map(String.init),
                                   title: "S(p, q) = PE[p]·PE[q] / (d/2), white = \(String(format: "%.2f", lowest)), dark = 1")
    similarityMap.cellSize = max(2, min(14, 900 / Double(positions)))
    var byOffset = LinePlot(title: "Similarity of PE[p] and PE[p + k]: the same curve for every p",
                            xLabel: "offset k", yLabel: "PE[p]·PE[p+k] / (d/2)")
    for p in [0, positions / 4, positions / 2] where p < positions - 1 {
        let ks = Array(0..<(positions - p))
        byOffset.series.append(.init(name: "p = \(p)", x: ks.map(Double.init), y: ks.map { similarity[p][p + $0] }))
    }
    let files = [("sinusoidal.svg", tableMap.svg()), ("sinusoidal-similarity.svg", similarityMap.svg()),
                 ("similarity-by-offset.svg", byOffset.svg())]
    for (name, svg) in files {
        let path = (directory as NSString).appendingPathComponent(name)
        try AtomicFile.write(text: svg, to: path)
        lines.append("wrote \(path)")
    }
    return lines.joined(separator: "\n")
}

/// The RoPE part: q·k after rotation, for several query positions at each offset, next to
/// the same scores with absolute encodings added; the check passes when every RoPE spread is
/// within Float rounding (1e-4 of |q|·|k|).
func ropeReport(seed: UInt64, headSize: Int = 32) -> (text: String, passed: Bool) {
    var random = RandomGenerator(seed: seed)
    let query = Tensor.randomNormal([headSize], using: &random).scalars
    let key = Tensor.randomNormal([headSize], using: &random).scalars
    let offsets = [0, 1, 2, 3, 5, 8, 13, 30]
    let positions = [0, 1, 7, 20, 63, 200, 1000]
    let rope = ropeScores(query: query, key: key, offsets: offsets, positions: positions)
    let absolute = absoluteScores(query: query, key: key, offsets: offsets, positions: positions)
    let tolerance = 1e-4 * dot(query, query).squareRoot() * dot(key, key).squareRoot()
    let worst = rope.map(\.spread).max() ?? 0
    let passed = worst <= tolerance
    var lines = ["RoPE: rotate pair i of q and k by position·θᵢ, θᵢ = 10000^(-2i/d); q, k ~ N(0, 1), d = \(headSize) (one head)",
                 "score rot(q, m)·rot(k, m + r) for query positions m = " + positions.map(String.init).joined(separator: ", ") + ":",
                 "  offset r  " + positions.map { padded("m=\($0)", to: 9) }.joined() + "     spread   absolute PE spread"]
    for (row, added) in zip(rope, absolute) {
        lines.append(String(format: "  %8d  ", row.offset) + row.scores.map { String(format: "%9.4f", $0) }.joined()
                     + String(format: "  %9.1e   %9.3f", row.spread, added.spread))
    }
    lines.append(String(format: "RoPE relative-offset check: %@ (largest spread %.1e, tolerance %.1e)",
                        passed ? "passed" : "FAILED", worst, tolerance))
    lines.append("With absolute encodings added to q and k instead, the score changes with m (last column).")
    return (lines.joined(separator: "\n"), passed)
}

/// The ALiBi part: the 4 slopes and each head's bias matrix for `length` positions.
func alibiReport(heads: Int = 4, length: Int = 6) -> String {
    let slopes = alibiSlopes(heads: heads)
    var lines = ["ALiBi: head h adds -m_h·(i - j) to the score of query i for key j ≤ i; m_h = 2^(-8(h+1)/n), n = \(heads) heads"]
    for (h, slope) in slopes.enumerated() {
        lines.append("head \(h): m = 2^-\(String(format: "%g", 8 * Double(h + 1) / Double(heads))) = \(slope)")
        for row in alibiBias(slope: slope, length: length) {
            lines.append("  " + row.map { $0 == -.infinity ? "       -inf" : String(format: "%11.8f", $0) }.joined(separator: " "))
        }
    }
    return lines.joined(separator: "\n")
}

/// `text` right-aligned in `width` columns.
func padded(_ text: String, to width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

// What the viewer does once its options are parsed: read the dump, check the layer and head,
// print the terminal map, write the three picture files.

import Foundation
import Tapestry
import TapestryGPT

/// The files written, relative to the output directory.
enum ViewerFiles {
    static let grid = "attention-grid.svg"
    static let page = "attention.html"
    static func png(layer: Int, head: Int) -> String { "attention-L\(layer)-H\(head).png" }
}

/// Runs the viewer and returns what it prints. Throws `UsageError` for a layer or head the
/// file does not have, `DumpError` for a missing or bad dump, `TrainError` (exit code 2) for an
/// --out that cannot be a directory: all misuse (exit 2); `FileError` for a failed write (exit 1).
func runViewer(_ options: ViewerOptions) throws -> String {
    let directory = try OutputDirectory(checking: options.outputDirectory, for: "the pictures")
    let dump = try AttentionMaps(path: options.file)
    guard options.layer < dump.layers.count else {
        throw UsageError("--layer \(options.layer) is out of range: \(dump.path) has layers 0...\(dump.layers.count - 1)")
    }
    guard options.head < dump.heads else {
        throw UsageError("--head \(options.head) is out of range: \(dump.path) has heads 0...\(dump.heads - 1)")
    }
    let rows = dump.map(layer: options.layer, head: options.head)
    let worstRowSum = rows.map { abs($0.reduce(0, +) - 1) }.max() ?? 0

    var lines = ["\(dump.path): \(dump.layers.count) layers x \(dump.heads) heads, "
                 + "\(dump.queryCount) queries x \(dump.keyCount) keys"
                 + (dump.iteration.map { ", iteration \($0)" } ?? "")]
    if let config = dump.configSummary { lines.append("config: \(config)") }
    lines.append("")
    lines.append("layer \(options.layer), head \(options.head)"
                 + (dump.isCausal(layer: options.layer, head: options.head) ? ", causal" : ", not causal")
                 + String(format: ", rows sum to 1 within %.1e", Double(worstRowSum))
                 + " (rows: queries, columns: keys)")
    let masked = dump.masked(layer: options.layer, head: options.head)
    lines.append(terminalHeatmap(rows, queryLabels: dump.queryLabels, keyLabels: dump.keyLabels, color: !options.noColor,
                                 masked: masked))
    lines.append("")

    try directory.create()
    func path(_ name: String) -> String { directory.file(name) }
    let image = headImage(rows, masked: masked)
    let pngName = ViewerFiles.png(layer: options.layer, head: options.head)
    try AtomicFile.write(PNG.encode(image), to: path(pngName))
    try AtomicFile.write(text: gridSVG(dump), to: path(ViewerFiles.grid))
    try AtomicFile.write(text: attentionPage(dump, layer: options.layer, head: options.head), to: path(ViewerFiles.page))
    let cell = pngCellSize(queries: dump.queryCount, keys: dump.keyCount)
    lines.append("wrote \(path(pngName)) (\(image.width) x \(image.height) px, \(cell) px per weight)")
    lines.append("wrote \(path(ViewerFiles.grid)) (every layer x head)")
    lines.append("wrote \(path(ViewerFiles.page)) (open it in a browser: pick a layer and head, hover for values)")
    return lines.joined(separator: "\n")
}

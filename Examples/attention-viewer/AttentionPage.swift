// The viewer's HTML page: one self-contained file (no network, no libraries) with a layer and
// head selector, the chosen map drawn on a canvas, and the exact weight of the cell under the
// mouse.
//
// The weights travel inside the page as JSON in `<script type="application/json"
// id="attention-data">`, rounded to 4 decimals; the script below it draws them. The page is
// also well-formed XML (XHTML syntax, the script wrapped in CDATA, and `<`, `>`, `&` escaped
// as \u003c, \u003e, \u0026 inside the JSON), so a test can parse it with an XML parser.
// What this is not: an app. It draws one map at a time, with the colors of the other pictures.

import Foundation

/// The complete HTML page for `dump`, starting at `layer` and `head`.
func attentionPage(_ dump: AttentionMaps, layer: Int, head: Int) -> String {
    let options = { (count: Int, selected: Int) in
        (0..<count).map { "<option value=\"\($0)\"\($0 == selected ? " selected=\"selected\"" : "")>\($0)</option>" }.joined()
    }
    var source = "file \(dump.path)"
    if let iteration = dump.iteration { source += ", iteration \(iteration)" }
    if let config = dump.configSummary { source += ", config: \(config)" }
    return """
    <!DOCTYPE html>
    <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
    <head>
    <meta charset="utf-8"/>
    <title>Attention maps</title>
    <style>
    body { font-family: sans-serif; margin: 24px; color: #222; }
    label { margin-right: 16px; }
    #readout { font-family: monospace; font-size: 15px; min-height: 1.4em; }
    canvas { border: 1px solid #ddd; }
    .note { color: #666; font-size: 13px; }
    </style>
    </head>
    <body>
    <h1>Attention maps</h1>
    <p class="note">\(xmlEscaped(source))</p>
    <p>
    <label>layer <select id="layer">\(options(dump.layers.count, layer))</select></label>
    <label>head <select id="head">\(options(dump.heads, head))</select></label>
    </p>
    <p id="readout">Hover over a cell to read its weight.</p>
    <canvas id="map" width="640" height="640"></canvas>
    <p class="note">Rows are queries (the position doing the looking), columns are keys (the positions \
    looked at); each row sums to 1. Dark purple is 0, yellow is 1 (viridis); white cells are masked (the future of a causal map). \(dump.layers.count) layers, \
    \(dump.heads) heads, \(dump.queryCount) queries, \(dump.keyCount) keys.</p>
    <script type="application/json" id="attention-data">\(pageData(dump))</script>
    <script>//<![CDATA[
    \(pageScript)
    //]]></script>
    </body>
    </html>

    """
}

/// The weights and labels as JSON: `{"queries", "keys", "causal": [layer][head],
/// "queryLabels", "keyLabels", "maps": [layer][head][query][key]}`, with `<`, `>` and `&` written as \u escapes so that
/// neither `</script>` nor `]]>` can appear.
func pageData(_ dump: AttentionMaps) -> String {
    func strings(_ labels: [String]) -> String {
        let encoded = (try? JSONEncoder().encode(labels.map(visibleLabel))) ?? Data("[]".utf8)
        return String(decoding: encoded, as: UTF8.self)
    }
    func number(_ value: Float) -> String {
        guard value.isFinite else { return "0" }
        var text = String(format: "%.4f", Double(value))
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
    let maps = dump.layers.indices.map { layer in
        "[" + (0..<dump.heads).map { head in
            "[" + dump.map(layer: layer, head: head).map { "[" + $0.map(number).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        }.joined(separator: ",\n") + "]"
    }.joined(separator: ",\n")
    let causal = "[" + dump.layers.indices.map { layer in
        "[" + (0..<dump.heads).map { "\(dump.isCausal(layer: layer, head: $0))" }.joined(separator: ",") + "]"
    }.joined(separator: ",") + "]"
    let json = "{\"queries\":\(dump.queryCount),\"keys\":\(dump.keyCount),\"causal\":\(causal),"
        + "\"queryLabels\":\(strings(dump.queryLabels)),\"keyLabels\":\(strings(dump.keyLabels)),\n\"maps\":[\(maps)]}"
    return json.replacingOccurrences(of: "&", with: "\\u0026")
        .replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
}

/// Draws the selected map on the canvas and reports the weight under the mouse. The color
/// stops are the same viridis stops as `attentionColor`.
let pageScript = """
const data = JSON.parse(document.getElementById("attention-data").textContent);
const stops = [\(viridisStops.map { "[\(Int($0.red)),\(Int($0.green)),\(Int($0.blue))]" }.joined(separator: ","))];
const canvas = document.getElementById("map"), context = canvas.getContext("2d");
const layerSelect = document.getElementById("layer"), headSelect = document.getElementById("head");
const readout = document.getElementById("readout");
const cell = Math.max(4, Math.min(40, Math.floor(640 / Math.max(data.queries, data.keys))));
const labelled = cell >= 10;
const longest = labels => Math.min(8, Math.max(...labels.map(label => label.length)));
const gridLeft = labelled ? 16 + 8 * longest(data.queryLabels) : 8;
const gridTop = labelled ? 16 + 8 * longest(data.keyLabels) : 8;
canvas.width = gridLeft + data.keys * cell + 8;
canvas.height = gridTop + data.queries * cell + 8;
let hovered = null;

function color(value) {
  const t = Math.min(Math.max(value, 0), 1) * (stops.length - 1);
  const low = Math.min(Math.floor(t), stops.length - 2), f = t - low;
  const mixed = [0, 1, 2].map(c => Math.round(stops[low][c] + (stops[low + 1][c] - stops[low][c]) * f));
  return "rgb(" + mixed.join(",") + ")";
}

function draw() {
  const map = data.maps[layerSelect.value][headSelect.value];
  const causal = data.causal[layerSelect.value][headSelect.value], shift = data.keys - data.queries;
  const masked = (i, j) => causal && j > shift + i;
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < data.queries; i++) {
    for (let j = 0; j < data.keys; j++) {
      context.fillStyle = masked(i, j) ? "white" : color(map[i][j]);
      context.fillRect(gridLeft + j * cell, gridTop + i * cell, cell, cell);
    }
  }
  if (labelled) {
    context.fillStyle = "#222";
    context.font = Math.min(13, cell - 2) + "px monospace";
    context.textBaseline = "middle";
    context.textAlign = "right";
    data.queryLabels.forEach((label, i) => context.fillText(label.slice(0, 8), gridLeft - 4, gridTop + (i + 0.5) * cell));
    context.textAlign = "left";
    data.keyLabels.forEach((label, j) => {
      context.save();
      context.translate(gridLeft + (j + 0.5) * cell, gridTop - 4);
      context.rotate(-Math.PI / 2);
      context.fillText(label.slice(0, 8), 0, 0);
      context.restore();
    });
  }
  if (hovered) {
    context.strokeStyle = "#e4002b";
    context.lineWidth = 2;
    context.strokeRect(gridLeft + hovered.j * cell, gridTop + hovered.i * cell, cell, cell);
    const value = map[hovered.i][hovered.j];
    readout.textContent = "layer " + layerSelect.value + ", head " + headSelect.value + ": query " + hovered.i +
      " " + data.queryLabels[hovered.i] + " \\u2192 key " + hovered.j + " " + data.keyLabels[hovered.j] +
      ": " + (masked(hovered.i, hovered.j) ? "masked (a future position)" : value.toFixed(4));
  }
}

canvas.addEventListener("mousemove", event => {
  const box = canvas.getBoundingClientRect();
  const j = Math.floor((event.clientX - box.left - gridLeft) / cell), i = Math.floor((event.clientY - box.top - gridTop) / cell);
  const inside = i >= 0 && i < data.queries && j >= 0 && j < data.keys;
  hovered = inside ? { i: i, j: j } : null;
  draw();
});
canvas.addEventListener("mouseleave", () => { hovered = null; draw(); });
layerSelect.addEventListener("change", draw);
headSelect.addEventListener("change", draw);
draw();
"""

// SVG: the few helpers the picture writers share: XML escaping, compact number formatting,
// "nice" axis ticks, and a color palette.
//
// What it is: string building, no dependencies, deterministic output (same input, same bytes,
// so a picture can be committed and diffed).
// What it is not: a drawing library. LinePlot and HeatmapSVG are the only pictures.

/// Escapes text for XML character data and attribute values: & < > " '.
func xmlEscaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        // XML 1.0 forbids most control characters even when escaped; drop them.
        case "\u{00}"..."\u{08}", "\u{0B}", "\u{0C}", "\u{0E}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": continue
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// `value` with exactly `decimals` digits after the point: `fixed(2.5, 2)` is `"2.50"`.
/// Plain digits, never exponent notation, for |value| below 1e15; otherwise Swift's own
/// description.
func fixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<max(decimals, 0) { scale *= 10 }
    let scaled = (value * scale).rounded()
    guard abs(scaled) < 1e15 else { return "\(value)" }
    let integer = Int64(scaled)
    let magnitude = integer.magnitude
    let whole = magnitude / UInt64(scale)
    let sign = integer < 0 ? "-" : ""
    guard decimals > 0 else { return sign + String(whole) }
    let fraction = String(magnitude % UInt64(scale))
    return sign + String(whole) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
}

/// A coordinate for an SVG attribute: at most 2 decimals, trailing zeros dropped (`"12.5"`).
func svgNumber(_ value: Double) -> String {
    var text = fixed(value, decimals: 2)
    guard text.contains(".") else { return text }
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
}

/// Axis ticks at round numbers: multiples of 1, 2 or 5 times a power of ten, about
/// `target` of them, covering [low, high]. Returns the ticks, the padded axis range
/// (from the first to the last tick) and how many decimals the labels need.
///
/// `niceTicks(low: 0.13, high: 4.2)` gives ticks 0, 1, 2, 3, 4, 5 and range 0...5.
func niceTicks(low: Double, high: Double, target: Int = 6) -> (ticks: [Double], range: ClosedRange<Double>, decimals: Int) {
    var (low, high) = (low, high)
    if !(low.isFinite && high.isFinite) { (low, high) = (0, 1) }
    if high < low { swap(&low, &high) }
    if high == low {  // one distinct value: open a window around it
        let pad = low == 0 ? 1 : abs(low) * 0.1
        (low, high) = (low - pad, high + pad)
    }
    var rough = (high - low) / Double(max(target - 1, 1))
    if !(rough.isFinite && rough > 0) { (low, high, rough) = (0, 1, 0.2) }  // values near ±Double.greatestFiniteMagnitude
    var power = 1.0
    while power * 10 <= rough { power *= 10 }
    while power > rough { power /= 10 }
    let step = [1.0, 2.0, 5.0, 10.0].map { $0 * power }.first { $0 >= rough } ?? 10 * power
    let first = (low / step).rounded(.down)
    let last = (high / step).rounded(.up)
    let ticks = stride(from: first, through: last, by: 1).map { $0 * step }
    var decimals = 0
    var unit = step
    while unit < 1 && decimals < 12 {  // enough digits to tell adjacent ticks apart
        unit *= 10
        decimals += 1
    }
    return (ticks, (first * step)...(last * step), decimals)
}

/// Okabe-Ito colors: distinguishable with the common color-vision deficiencies.
let seriesPalette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]

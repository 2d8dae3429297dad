// TapeListing: the tape as a table, values as short previews, and the graph as Graphviz DOT.
//
// Ids: every value on the tape lives in a slot, written %k. Leaves (W1, b1, ...) own the first
// slots; each recorded op #n writes one new slot. A constant (the input x) has no slot: it
// never receives a gradient. That is all `Tape.entries` needs to print the whole graph.

import Foundation
import Tapestry

/// Number and tensor previews short enough for one line.
enum Preview {
    /// 4 decimals; scientific notation for very small or very large magnitudes; nan/inf spelled out.
    static func number(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        let magnitude = abs(x)
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5) { return formatted(x, "%.2e") }
        return formatted(x, "%.4f")
    }

    /// A tensor's values nested by shape (`[[a, b], [c, d]]`), or its first values when long.
    static func tensor(_ t: Tensor, limit: Int = 12) -> String {
        let values = t.scalars
        if t.rank == 0 { return number(values[0]) }
        if values.count > limit {
            return "[" + values.prefix(limit - 2).map(number).joined(separator: ", ") + ", …] (\(values.count) values)"
        }
        func nest(_ dimension: Int, _ offset: Int) -> String {
            let stride = t.shape[(dimension + 1)...].reduce(1, *)
            let parts = (0..<t.shape[dimension]).map { i in
                dimension == t.rank - 1 ? number(values[offset + i]) : nest(dimension + 1, offset + i * stride)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        return nest(0, 0)
    }

    /// True when every element is finite.
    static func isFinite(_ t: Tensor) -> Bool { t.scalars.allSatisfy(\.isFinite) }

    private static func formatted(_ x: Float, _ format: String) -> String {
        String(format: format, Double(x))
    }
}

/// Prints and draws a recorded tape. `names` maps leaf slots to their names.
struct TapeListing {
    let tape: Tape
    let names: [Int: String]
    let leafValues: [Int: Tensor]

    /// The value held in `slot`: a leaf's value or an op's output.
    func value(_ slot: Int) -> Tensor? {
        leafValues[slot] ?? tape.entries.first { $0.outputSlot == slot }?.value
    }

    /// `%3 W2` for a named leaf, `%7` for an op's output, `const` for a constant input.
    func label(_ slot: Int) -> String {
        if slot < 0 { return "const" }
        return names[slot].map { "%\(slot) \($0)" } ?? "%\(slot)"
    }

    /// The table: leaves first, then every op in recording order.
    func lines(constants: [(String, Tensor)]) -> [String] {
        func row(_ id: String, _ node: String, _ inputs: String, _ shape: [Int], _ value: Tensor) -> String {
            let flag = Preview.isFinite(value) ? "" : "   <- not finite"
            return pad(id, 5) + pad(node, 22) + pad(inputs, 16) + pad("\(shape)", 9) + Preview.tensor(value) + flag
        }
        var out = [pad("id", 5) + pad("node", 22) + pad("inputs", 16) + pad("shape", 9) + "value"]
        for slot in names.keys.sorted() {
            out.append(row("%\(slot)", "leaf \(names[slot]!)", "", leafValues[slot]!.shape, leafValues[slot]!))
        }
        for (name, value) in constants {
            out.append(row("-", "const \(name)", "", value.shape, value))
        }
        for entry in tape.entries {
            let inputs = entry.inputSlots.map { $0 < 0 ? "const" : "%\($0)" }.joined(separator: " ")
            out.append(row("%\(entry.outputSlot)", "#\(entry.index) \(entry.op)", inputs, entry.value.shape, entry.value))
        }
        return out
    }

    /// A Graphviz DOT graph: one node per slot (boxes for leaves, ellipses for ops, dashed boxes
    /// for constants) labelled with value and gradient, and an edge from each input to its op.
    /// Render with `dot -Tsvg tape.dot -o tape.svg`.
    func dot(constants: [(String, Tensor)]) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        func gradient(_ slot: Int) -> String {
            tape.gradient(slot: slot).map { "grad " + Preview.tensor($0, limit: 8) } ?? "grad (none)"
        }
        var out = ["digraph tape {", "  rankdir=BT;", "  node [fontname=\"monospace\", fontsize=10];"]
        for slot in names.keys.sorted() {
            let text = "%\(slot) \(names[slot]!) \(leafValues[slot]!.shape)\nvalue \(Preview.tensor(leafValues[slot]!, limit: 8))\n\(gradient(slot))"
            out.append("  s\(slot) [shape=box, label=\(quoted(text))];")
        }
        var constantIndex = 0
        var edges: [String] = []
        for entry in tape.entries {
            let text = "#\(entry.index) \(entry.op) -> %\(entry.outputSlot) \(entry.value.shape)\n"
                + "value \(Preview.tensor(entry.value, limit: 8))\n\(gradient(entry.outputSlot))"
            out.append("  s\(entry.outputSlot) [shape=ellipse, label=\(quoted(text))];")
            for input in entry.inputSlots {
                if input >= 0 {
                    edges.append("  s\(input) -> s\(entry.outputSlot);")
                } else {
                    // Constants have no slot: draw one dashed box per use (this graph has one, x).
                    let (name, value) = constants.first ?? ("const", Tensor(0))
                    out.append("  c\(constantIndex) [shape=box, style=dashed, label=\(quoted("const \(name) \(value.shape)\nvalue \(Preview.tensor(value, limit: 8))"))];")
                    edges.append("  c\(constantIndex) -> s\(entry.outputSlot);")
                    constantIndex += 1
                }
            }
        }
        return (out + edges + ["}"]).joined(separator: "\n") + "\n"
    }
}

/// `text` padded with spaces to `width` (at least one space after it).
func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
}

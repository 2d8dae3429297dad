// AttentionMaps: the attention maps that `swift run train` writes (TapestryGPT's AttentionDump),
// read and checked.
//
// The file (format "tapestry-attention", version 1) is a safetensors file with one F32 tensor
// per layer, `layer.0`, `layer.1`, ..., each [n_head, Tq, Tk]: row i of head h is the softmax
// weights query i gave to keys 0..<Tk (rows sum to 1). A GPT's self-attention is square and
// causal (Tq = Tk, zeros above the diagonal); a seq2seq model's cross-attention is rectangular
// (decoder queries over encoder keys) and not causal. Metadata, all strings:
//   format = "tapestry-attention", format_version = "1",
//   tokens = JSON list of the label of each position (characters may be "\n", " ", ...),
//   iteration = the training step, config = the model's JSON config.
// For a rectangular map the writer may add `query_tokens` and `key_tokens`; without them,
// `tokens` labels whichever side it has the length of, and positions label the other.
// Why not `AttentionDump.read` from TapestryGPT: that one serves the trainer's square, causal
// maps; the viewer also checks the version and the shapes, and reads rectangular maps.
// What this is not: a general safetensors browser (see the library's SafeTensorsFile).

import Foundation
import Tapestry

/// A problem with the attention file: one line naming the file (exit status 2, like a bad checkpoint).
struct DumpError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Every layer's attention weights and the labels of the positions.
struct AttentionMaps {
    /// Where it was read from.
    let path: String
    /// One tensor per layer, each [heads, Tq, Tk].
    let layers: [Tensor]
    /// One label per query (row) and per key (column), as stored (not escaped).
    let queryLabels: [String]
    let keyLabels: [String]
    /// The training step and the model config, when the file has them.
    let iteration: String?
    let config: String?

    var heads: Int { layers[0].shape[0] }
    var queryCount: Int { layers[0].shape[1] }
    var keyCount: Int { layers[0].shape[2] }

    /// Reads and checks the dump at `path`.
    init(path: String) throws(DumpError) {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile.read(path: path)
        } catch where error.reason == .fileNotFound {
            throw DumpError("\(path): file not found (run `swift run train` first, or pass --file)")
        } catch {
            throw DumpError("\(error)")
        }
        let format = file.metadata["format"] ?? "(none)"
        guard format == "tapestry-attention" else {
            throw DumpError("\(path): not an attention dump (metadata format is '\(format)', expected 'tapestry-attention')")
        }
        let version = file.metadata["format_version"] ?? "(none)"
        guard version == "1" else {
            throw DumpError("\(path): attention dump format_version '\(version)' is not supported (this viewer reads version 1)")
        }
        var layers: [Tensor] = []
        while let stored = file.tensors["layer.\(layers.count)"] {
            guard stored.dtype == .float32, stored.shape.count == 3, stored.shape.allSatisfy({ $0 > 0 }),
                  let tensor = stored.float32Tensor else {
                throw DumpError("\(path): layer.\(layers.count) is \(stored.dtype.rawValue) \(stored.shape), expected F32 [n_head, Tq, Tk]")
            }
            if let first = layers.first, first.shape != tensor.shape {
                throw DumpError("\(path): layer.\(layers.count) has shape \(tensor.shape) but layer.0 has \(first.shape)")
            }
            layers.append(tensor)
        }
        guard !layers.isEmpty else { throw DumpError("\(path): no tensor named layer.0 (the file has: \(file.names.joined(separator: ", ")))") }
        self.path = path
        self.layers = layers
        let (queries, keys) = (layers[0].shape[1], layers[0].shape[2])
        let tokens = try Self.labels(file.metadata, "tokens", path: path)
        let queryTokens = try Self.labels(file.metadata, "query_tokens", path: path) ?? tokens
        let keyTokens = try Self.labels(file.metadata, "key_tokens", path: path) ?? tokens
        queryLabels = queryTokens?.count == queries ? queryTokens! : (0..<queries).map(String.init)
        keyLabels = keyTokens?.count == keys ? keyTokens! : (0..<keys).map(String.init)
        iteration = file.metadata["iteration"]
        config = file.metadata["config"]
    }

    /// The JSON list of strings in metadata `key`, nil when the key is absent.
    static func labels(_ metadata: [String: String], _ key: String, path: String) throws(DumpError) -> [String]? {
        guard let text = metadata[key] else { return nil }
        guard let list = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw DumpError("\(path): metadata \(key) is not a JSON list of strings")
        }
        return list
    }

    /// The weights of one head as rows: `map[i][j]` is what query i gives key j.
    func map(layer: Int, head: Int) -> [[Float]] {
        let (tq, tk) = (queryCount, keyCount)
        let base = head * tq * tk
        let values = layers[layer]
        return (0..<tq).map { i in (0..<tk).map { j in values[flat: base + i * tk + j] } }
    }

    /// True when every weight above the (shifted) diagonal is 0: key j > Tk − Tq + i unseen.
    func isCausal(layer: Int, head: Int) -> Bool {
        let rows = map(layer: layer, head: head)
        let shift = keyCount - queryCount
        return rows.enumerated().allSatisfy { i, row in row.indices.allSatisfy { j in j <= shift + i || row[j] == 0 } }
    }

    /// For each head of `layer`, whether it is causal; `masked(i, j)` of a causal map is true for
    /// the future keys j > Tk − Tq + i, which the pictures leave white.
    func masked(layer: Int, head: Int) -> (Int, Int) -> Bool {
        guard isCausal(layer: layer, head: head) else { return { _, _ in false } }
        let shift = keyCount - queryCount
        return { i, j in j > shift + i }
    }

    /// The config as `key=value` pairs in key order, or the raw text if it is not a JSON object.
    var configSummary: String? {
        guard let config else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any] else { return config }
        return object.keys.sorted().map { "\($0)=\(object[$0]!)" }.joined(separator: " ")
    }
}

/// A token as it can be read on one line: `\n`, `\t`, `\r` and other control characters
/// escaped, a space shown as `␣`, everything else as it is.
func visibleLabel(_ token: String) -> String {
    var out = ""
    for scalar in token.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case " ": out += "␣"
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out.isEmpty ? "∅" : out
}

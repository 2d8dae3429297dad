// AttentionDump: the attention weights of every layer for one probe text.
//
// File: attention.safetensors with one tensor per layer, `layer.{i}` [n_head, T, T]; each
// row sums to 1 and the upper triangle is 0 (causal). Metadata: format "tapestry-attention",
// tokens (JSON list of strings, one per position), iteration, config (GPTConfig JSON).
// The attention viewer and the lessons read it.

import Foundation
import Tapestry
import TapestryText

/// Writing and reading attention maps.
public enum AttentionDump {
    public static let format = "tapestry-attention"

    /// Runs `model` on `probe` (at most block_size tokens) without gradients and writes the
    /// attention weights of every layer to `path` (atomically).
    public static func write(model: GPT, tokenizer: any Tokenizer, probe: [Int], iteration: Int,
                             to path: String) throws {
        let tokens = Array(probe.prefix(model.config.blockSize))
        let tape = Tape()
        var context = ForwardContext.evaluation
        let attention = tape.withoutGrad {
            model(tokens, batch: 1, time: tokens.count, tape: tape, context: &context).attention
        }
        let T = tokens.count
        let layers = attention.enumerated().map { (i, weights) in       // [1, nh, T, T] → [nh, T, T]
            ("layer.\(i)", weights.reshaped([model.config.nHead, T, T]))
        }
        let labels = tokens.map { tokenizer.decode([$0]) }
        var metadata: [String: String] = [:]
        metadata["format"] = format
        metadata["format_version"] = "1"
        metadata["tokens"] = String(decoding: try JSONEncoder.sorted.encode(labels), as: UTF8.self)
        metadata["iteration"] = String(iteration)
        metadata["config"] = String(decoding: try JSONEncoder.sorted.encode(model.config), as: UTF8.self)
        try writeSafeTensors(layers, metadata: metadata, to: path)
    }

    /// A dump read back: per-layer weights [n_head, T, T] and the token labels.
    public struct Loaded {
        public let layers: [Tensor]
        public let tokens: [String]
        public let metadata: [String: String]
    }

    /// Reads a dump written by `write`.
    public static func read(path: String) throws -> Loaded {
        let file = try readSafeTensors(path)
        guard file.metadata["format"] == format else {
            throw TrainError("attention dump \(path): format is '\(file.metadata["format"] ?? "(none)")', expected '\(format)'")
        }
        var layers: [Tensor] = []
        while let layer = file.tensors["layer.\(layers.count)"] { layers.append(layer) }
        guard !layers.isEmpty else { throw TrainError("attention dump \(path): no tensor 'layer.0'") }
        let tokens = (file.metadata["tokens"]).flatMap {
            try? JSONDecoder().decode([String].self, from: Data($0.utf8))
        } ?? []
        return Loaded(layers: layers, tokens: tokens, metadata: file.metadata)
    }
}

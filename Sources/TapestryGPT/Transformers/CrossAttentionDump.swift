// CrossAttentionDump: an encoder–decoder's cross-attention, in the GPT's attention-dump format.
//
// The file is the one `AttentionDump` describes (format "tapestry-attention", version 1): one
// tensor per decoder layer, `layer.{i}` [n_head, Tq, Tk], here Tq decoder positions by Tk = S
// source positions, not causal (every row may use every source position). Metadata:
//   tokens, query_tokens   JSON list: the token each decoder row produced (`</s>` last)
//   source_tokens, key_tokens   JSON list: the source tokens (the columns)
//   iteration, config (EncoderDecoderConfig JSON)
// `query_tokens`/`key_tokens` are what the attention viewer reads for rectangular maps; the
// other two name the sides for a reader who knows it is a translation. Rows are labelled by the
// token they produced (the convention of alignment plots), so for string reversal a trained
// model's map is an anti-diagonal whose row and column labels agree.
// What it is not: the decoder's self-attention or the encoder's (not written here).

import Foundation
import Tapestry

extension AttentionDump {
    /// Greedily translates `source` with `model`, writes the cross-attention of every decoder layer
    /// to `path` (atomically) and returns the produced tokens (`</s>` included when reached).
    /// `label` turns a token id into the text shown for it.
    @discardableResult
    public static func writeCrossAttention(model: EncoderDecoder, source: [Int], start: Int, end: Int,
                                           label: (Int) -> String, iteration: Int, to path: String) throws -> [Int] {
        let (produced, layers) = model.crossAttentionMap(source: source, start: start, end: end)
        func json(_ labels: [String]) throws -> String {
            String(decoding: try JSONEncoder.sorted.encode(labels), as: UTF8.self)
        }
        let queryLabels = try json(produced.map(label)), keyLabels = try json(source.map(label))
        var metadata: [String: String] = [:]
        metadata["format"] = format
        metadata["format_version"] = "1"
        metadata["tokens"] = queryLabels
        metadata["query_tokens"] = queryLabels
        metadata["source_tokens"] = keyLabels
        metadata["key_tokens"] = keyLabels
        metadata["iteration"] = String(iteration)
        metadata["config"] = String(decoding: try JSONEncoder.sorted.encode(model.config), as: UTF8.self)
        try writeSafeTensors(layers.enumerated().map { ("layer.\($0.offset)", $0.element) }, metadata: metadata, to: path)
        return produced
    }
}

// ModelCheckpoint: the trained weights as a self-describing safetensors file.
//
// The tensors are nanoGPT's state_dict (names and [out, in] layouts), so the file loads in
// PyTorch unchanged. The `__metadata__` string map makes it self-describing:
//   format "tapestry-gpt", format_version "1", config (GPTConfig as JSON),
//   tokenizer (the serialized tokenizer), iteration, val_loss,
//   and nanoGPT-style n_layer/n_head/n_embd/block_size/vocab_size strings, plus pos (the
//   positional scheme) and, for a mixture of experts, moe_experts and moe_top_k.
// `load` also reads int8-quantized checkpoints (metadata `quantization`), dequantizing them
// (QuantizedCheckpoint.swift).

import Foundation
import Tapestry
import TapestryText

/// Saving and loading a GPT with everything needed to sample from it.
public enum ModelCheckpoint {
    public static let format = "tapestry-gpt"
    public static let version = 1

    /// Writes `model` (atomically) with its tokenizer and training progress.
    public static func save(_ model: GPT, tokenizer: any Tokenizer, iteration: Int, valLoss: Float?,
                            extra: [String: String] = [:], to path: String) throws {
        let config = model.config
        var metadata = extra
        metadata["format"] = format
        metadata["format_version"] = String(version)
        metadata["config"] = String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
        metadata["tokenizer"] = tokenizer.serialized()
        metadata["iteration"] = String(iteration)
        metadata["val_loss"] = valLoss.map { String($0) } ?? ""
        metadata["n_layer"] = String(config.nLayer)
        metadata["n_head"] = String(config.nHead)
        metadata["n_embd"] = String(config.nEmbd)
        metadata["block_size"] = String(config.blockSize)
        metadata["vocab_size"] = String(config.vocabSize)
        metadata["pos"] = config.positionalEncoding.rawValue
        if config.usesExperts {
            metadata["moe_experts"] = String(config.moeExperts)
            metadata["moe_top_k"] = String(config.moeTopK)
        }
        try writeSafeTensors(model.parameters.map { ($0.name, $0.value) }, metadata: metadata, to: path)
    }

    /// What `load` returns.
    public struct Loaded {
        public let model: GPT
        public let tokenizer: any Tokenizer
        public let metadata: [String: String]
        public var iteration: Int { Int(metadata["iteration"] ?? "") ?? 0 }
    }

    /// Reads a checkpoint written by `save` (or by `Int8Quantization.save`, dequantized), checking
    /// its format, version, config and every tensor. Every problem is a one-line `TrainError`
    /// (exit code 2: a bad input file) that starts with `checkpoint <path>`.
    public static func load(path: String) throws -> Loaded {
        let label = "checkpoint \(path)"
        let file: TensorFile
        do { file = try readModelTensors(path) } catch { throw TrainError("checkpoint \(error)", exitCode: 2) }
        let metadata = file.metadata
        try checkFormat(metadata, expected: format, label: label)
        guard let configText = metadata["config"],
              let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(configText.utf8)) else {
            throw TrainError("\(label): metadata has no readable 'config' (expected GPTConfig JSON)", exitCode: 2)
        }
        if let problem = config.problem { throw TrainError("\(label): bad config: \(problem)", exitCode: 2) }
        try checkSize(of: config, against: file.tensors, label: label)
        guard let tokenizerText = metadata["tokenizer"] else {
            throw TrainError("\(label): metadata has no 'tokenizer'", exitCode: 2)
        }
        let tokenizer: any Tokenizer
        do { tokenizer = try TokenizerFile.deserialize(tokenizerText, source: label) }
        catch { throw TrainError("\(error)", exitCode: 2) }
        // An id the model has no row for would index past the embedding table.
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw TrainError("\(label): the tokenizer has \(tokenizer.vocabularySize) tokens but the config's "
                + "vocab_size is \(config.vocabSize)", exitCode: 2)
        }
        let model = GPT(config: config, seed: 0)
        try loadWeights(into: model, from: file.tensors, label: label)
        return Loaded(model: model, tokenizer: tokenizer, metadata: metadata)
    }

    /// Refuses a config that needs more numbers than the file holds, BEFORE the model is
    /// built: a damaged or hand-edited config (`"n_embd": 1000000`) must be an error, not an
    /// attempt to allocate terabytes. The bound is loose so it holds for every variant: the
    /// token embedding (V·C) plus, per layer, at least the query and output projections (2·C²).
    static func checkSize(of config: GPTConfig, against tensors: [String: Tensor], label: String) throws {
        let c = Double(config.nEmbd)
        let needed = Double(config.vocabSize) * c + Double(config.nLayer) * 2 * c * c
        let held = tensors.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
        guard needed <= Double(held) else {
            throw TrainError("\(label): the config (n_layer \(config.nLayer), n_embd \(config.nEmbd), vocab_size "
                + "\(config.vocabSize)) needs at least \(Int(min(needed, 9e18))) weights but the file holds \(held)", exitCode: 2)
        }
    }

    /// Copies every tensor of `tensors` into the model's parameters, checking names and shapes.
    static func loadWeights(into model: GPT, from tensors: [String: Tensor], label: String) throws {
        for parameter in model.parameters {
            guard let tensor = tensors[parameter.name] else {
                throw TrainError("\(label): missing tensor \(parameter.name) (expected shape \(parameter.value.shape))", exitCode: 2)
            }
            guard tensor.shape == parameter.value.shape else {
                throw TrainError("\(label): tensor \(parameter.name) has shape \(tensor.shape), "
                    + "the config expects \(parameter.value.shape)", exitCode: 2)
            }
            parameter.load(tensor)
        }
    }

    /// `loadWeights(into:from:label:)` for a file at `path`.
    static func loadWeights(into model: GPT, from tensors: [String: Tensor], path: String) throws {
        try loadWeights(into: model, from: tensors, label: "checkpoint \(path)")
    }

    /// Checks `format` and `format_version` with a hint on mismatch (llm.c style). `label`
    /// names the file in the message (`checkpoint out/model.safetensors`).
    static func checkFormat(_ metadata: [String: String], expected: String, label: String) throws {
        let found = metadata["format"] ?? "(none)"
        if found != expected {
            let hint = found == TrainState.format ? " (this is a train state; pass model.safetensors)"
                : found == ModelCheckpoint.format ? " (this is a model checkpoint, not a train state)" : ""
            throw TrainError("\(label): format is '\(found)', expected '\(expected)'\(hint)", exitCode: 2)
        }
        let version = Int(metadata["format_version"] ?? "") ?? 0
        if version < 1 || version > ModelCheckpoint.version {
            throw TrainError("\(label): format version \(metadata["format_version"] ?? "(none)") is not supported; "
                + "this build reads version \(ModelCheckpoint.version) (written by a newer Tapestry? update, or re-train)",
                exitCode: 2)
        }
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so the same config always gives the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

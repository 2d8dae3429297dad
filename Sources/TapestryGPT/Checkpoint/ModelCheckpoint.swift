// ModelCheckpoint: the trained weights as a self-describing safetensors file.
//
// The tensors are nanoGPT's state_dict (names and [out, in] layouts), so the file loads in
// PyTorch unchanged. The `__metadata__` string map makes it self-describing:
//   format "tapestry-gpt", format_version "1", config (GPTConfig as JSON),
//   tokenizer (the serialized tokenizer), iteration, val_loss,
//   and nanoGPT-style n_layer/n_head/n_embd/block_size/vocab_size strings, plus pos (the
//   positional scheme) and, for a mixture of experts, moe_experts and moe_top_k.

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

    /// Reads a checkpoint written by `save`, checking its format, version, config and every tensor.
    public static func load(path: String) throws -> Loaded {
        let file = try readSafeTensors(path)
        let metadata = file.metadata
        try checkFormat(metadata, expected: format, path: path)
        guard let configText = metadata["config"],
              let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(configText.utf8)) else {
            throw TrainError("checkpoint \(path): metadata has no readable 'config' (expected GPTConfig JSON)")
        }
        if let problem = config.problem { throw TrainError("checkpoint \(path): bad config: \(problem)") }
        guard let tokenizerText = metadata["tokenizer"] else {
            throw TrainError("checkpoint \(path): metadata has no 'tokenizer'")
        }
        let tokenizer: any Tokenizer
        do { tokenizer = try TokenizerFile.deserialize(tokenizerText, source: "checkpoint \(path)") }
        catch { throw TrainError("\(error)", exitCode: 2) }
        let model = GPT(config: config, seed: 0)
        try loadWeights(into: model, from: file.tensors, path: path)
        return Loaded(model: model, tokenizer: tokenizer, metadata: metadata)
    }

    /// Copies every tensor of `tensors` into the model's parameters, checking names and shapes.
    static func loadWeights(into model: GPT, from tensors: [String: Tensor], path: String) throws {
        for parameter in model.parameters {
            guard let tensor = tensors[parameter.name] else {
                throw TrainError("checkpoint \(path): missing tensor \(parameter.name) (expected shape \(parameter.value.shape))")
            }
            guard tensor.shape == parameter.value.shape else {
                throw TrainError("checkpoint \(path): tensor \(parameter.name) has shape \(tensor.shape), "
                    + "the config expects \(parameter.value.shape)")
            }
            parameter.load(tensor)
        }
    }

    /// Checks `format` and `format_version` with a hint on mismatch (llm.c style).
    static func checkFormat(_ metadata: [String: String], expected: String, path: String) throws {
        let found = metadata["format"] ?? "(none)"
        if found != expected {
            let hint = found == TrainState.format ? " (this is a train state; pass model.safetensors)"
                : found == ModelCheckpoint.format ? " (this is a model checkpoint; pass train-state.safetensors)" : ""
            throw TrainError("checkpoint \(path): format is '\(found)', expected '\(expected)'\(hint)")
        }
        let version = Int(metadata["format_version"] ?? "") ?? 0
        if version < 1 || version > ModelCheckpoint.version {
            throw TrainError("checkpoint \(path): format version \(metadata["format_version"] ?? "(none)") is not supported; "
                + "this build reads version 1 (written by a newer Tapestry? update, or re-train)")
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

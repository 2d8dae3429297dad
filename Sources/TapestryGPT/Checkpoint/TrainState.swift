// TrainState: everything exact resume needs, in ONE file.
//
// Tensors: the weights under their parameter names (as in model.safetensors), and AdamW's
// first and second moments under `<parameter name>.exp_avg` and `<parameter name>.exp_avg_sq`
// (PyTorch's names). Metadata: the step, the batch generator's state (the data cursor), the
// model config, the tokenizer, the train config, and the loss history (for loss.csv).
// With these, k steps + stop + resume + k steps equals 2k steps bit for bit.
//
// Why the weights are here too, and not only in model.safetensors: each file is replaced
// atomically, but two files are not replaced together. A run killed between writing the model
// and writing the train state would leave weights of step N beside moments of an earlier step;
// one self-contained file can never be such a mix.

import Foundation
import Tapestry
import TapestryNN

/// Saving and restoring the optimizer and data-stream state of a run.
public enum TrainState {
    public static let format = "tapestry-train-state"

    /// Writes the trainer's weights, optimizer state, step and generator state (atomically).
    public static func save(_ trainer: Trainer, history: [LossRecord], to path: String) throws {
        var metadata: [String: String] = [:]
        metadata["format"] = format
        metadata["format_version"] = String(ModelCheckpoint.version)
        metadata["config"] = String(decoding: try JSONEncoder.sorted.encode(trainer.model.config), as: UTF8.self)
        metadata["tokenizer"] = trainer.data.tokenizer.serialized()
        metadata["iteration"] = String(trainer.iteration)
        metadata["optimizer_steps"] = String(trainer.optimizer.stepCount)
        metadata["batch_generator_state"] = String(trainer.batchGenerator.state)
        metadata["train_config"] = String(decoding: try JSONEncoder.sorted.encode(trainer.config), as: UTF8.self)
        metadata["history"] = String(decoding: try JSONEncoder.sorted.encode(history), as: UTF8.self)
        let weights = trainer.model.parameters.map { ($0.name, $0.value) }
        let state = trainer.optimizer.state()
        try writeSafeTensors(weights + state.keys.sorted().map { ($0, state[$0]!) }, metadata: metadata, to: path)
    }

    /// Restores weights, optimizer state, step and generator into `trainer`; returns the loss
    /// history. Every problem is a one-line `TrainError` (exit code 2) naming `path`.
    public static func load(into trainer: Trainer, path: String) throws -> [LossRecord] {
        let label = "train state \(path)"
        let file: TensorFile
        do { file = try readSafeTensors(path) } catch { throw TrainError("train state \(error)", exitCode: 2) }
        try ModelCheckpoint.checkFormat(file.metadata, expected: format, label: label)
        guard let iteration = Int(file.metadata["iteration"] ?? ""), iteration >= 0,
              let steps = Int(file.metadata["optimizer_steps"] ?? ""),
              let generatorState = UInt64(file.metadata["batch_generator_state"] ?? "") else {
            throw TrainError("\(label): metadata lacks iteration, optimizer_steps or batch_generator_state", exitCode: 2)
        }
        let model = trainer.model
        let config = file.metadata["config"].flatMap { try? JSONDecoder().decode(GPTConfig.self, from: Data($0.utf8)) }
        guard config == model.config else {
            throw TrainError("\(label): was trained with config \(file.metadata["config"] ?? "(none)"), "
                + "the flags and corpus give \(String(decoding: try JSONEncoder.sorted.encode(model.config), as: UTF8.self)); "
                + "resume with the flags of the original run", exitCode: 2)
        }
        guard file.metadata["tokenizer"] == trainer.data.tokenizer.serialized() else {
            throw TrainError("\(label): the corpus and tokenizer flags give a different tokenizer than the saved one; "
                + "resume with the original --corpus and --tokenizer flags", exitCode: 2)
        }
        try ModelCheckpoint.loadWeights(into: model, from: file.tensors, label: label)
        let names = Set(model.parameters.map(\.name))
        do { try trainer.optimizer.load(state: file.tensors.filter { !names.contains($0.key) }, stepCount: steps) }
        catch { throw TrainError("\(label): \(error)", exitCode: 2) }
        trainer.iteration = iteration
        trainer.batchGenerator = RandomGenerator(seed: 0)
        trainer.batchGenerator.state = generatorState
        let history = (file.metadata["history"]).flatMap {
            try? JSONDecoder().decode([LossRecord].self, from: Data($0.utf8))
        }
        return history ?? []
    }
}

/// One evaluation: step, train loss, val loss, learning rate.
public struct LossRecord: Codable, Equatable, Sendable {
    public let iteration: Int
    public let trainLoss: Float
    public let valLoss: Float
    public let learningRate: Float
}

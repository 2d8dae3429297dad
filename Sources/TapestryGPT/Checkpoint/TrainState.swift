// TrainState: what exact resume needs beyond the weights.
//
// Tensors: AdamW's first and second moments under `<parameter name>.exp_avg` and
// `<parameter name>.exp_avg_sq` (PyTorch's names). Metadata: the step, the batch generator's
// state (the data cursor), the train config, and the loss history (for loss.csv).
// With these, k steps + stop + resume + k steps equals 2k steps bit for bit.

import Foundation
import Tapestry
import TapestryNN

/// Saving and restoring the optimizer and data-stream state of a run.
public enum TrainState {
    public static let format = "tapestry-train-state"

    /// Writes the trainer's optimizer state, step and generator state (atomically).
    public static func save(_ trainer: Trainer, history: [LossRecord], to path: String) throws {
        var metadata: [String: String] = [:]
        metadata["format"] = format
        metadata["format_version"] = String(ModelCheckpoint.version)
        metadata["iteration"] = String(trainer.iteration)
        metadata["optimizer_steps"] = String(trainer.optimizer.stepCount)
        metadata["batch_generator_state"] = String(trainer.batchGenerator.state)
        metadata["train_config"] = String(decoding: try JSONEncoder.sorted.encode(trainer.config), as: UTF8.self)
        metadata["history"] = String(decoding: try JSONEncoder.sorted.encode(history), as: UTF8.self)
        let state = trainer.optimizer.state()
        try writeSafeTensors(state.keys.sorted().map { ($0, state[$0]!) }, metadata: metadata, to: path)
    }

    /// Restores optimizer state, step and generator into `trainer`; returns the loss history.
    public static func load(into trainer: Trainer, path: String) throws -> [LossRecord] {
        let file = try readSafeTensors(path)
        try ModelCheckpoint.checkFormat(file.metadata, expected: format, path: path)
        guard let iteration = Int(file.metadata["iteration"] ?? ""),
              let steps = Int(file.metadata["optimizer_steps"] ?? ""),
              let generatorState = UInt64(file.metadata["batch_generator_state"] ?? "") else {
            throw TrainError("train state \(path): metadata lacks iteration, optimizer_steps or batch_generator_state")
        }
        do { try trainer.optimizer.load(state: file.tensors, stepCount: steps) }
        catch { throw TrainError("train state \(path): \(error)") }
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

// The trainer records its first step and replays it afterwards (Trainer.swift, Tape.replay).
// Replaying must give bit-identical losses, gradient norms and weights to recording every
// step, across evaluations (which end a recording) and gradient accumulation; and a model the
// recording cannot express (an op without a forward closure, or a forward pass something
// watches) must record every step instead.

import Testing
import Tapestry
import TapestryTestSupport
@testable import TapestryGPT

@Suite(.serialized) struct ReplayTrainingTests {
    /// Six steps (an evaluation after the third), with replay on or off.
    static func run(_ config: TrainConfig, replay: Bool)
        throws -> (losses: [Float], norms: [Float], weights: [[Float]], replayedSteps: Int) {
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        trainer.replaysRecordedStep = replay
        var losses: [Float] = [], norms: [Float] = [], replayedSteps = 0
        for step in 0..<6 {
            let generation = trainer.tape.generation
            let (loss, norm) = try trainer.step()
            if trainer.tape.generation == generation { replayedSteps += 1 }   // nothing re-recorded
            losses.append(loss)
            norms.append(norm)
            if step == 2 { _ = trainer.estimateLoss() }
        }
        return (losses, norms, trainer.model.parameters.map(\.value.scalars), replayedSteps)
    }

    enum Variant: String, CaseIterable, CustomStringConvertible {
        case learned, sinusoidal, alibi, gradientAccumulation, overfitBatch, rope, dropout, experts
        var description: String { rawValue }

        var config: TrainConfig {
            var config = tinyTrainConfig()
            switch self {
            case .learned: break
            case .sinusoidal: config.model.positionalEncoding = .sinusoidal
            case .alibi: config.model.positionalEncoding = .alibi
            case .gradientAccumulation: config.gradAccum = 2
            case .overfitBatch: config.overfitBatch = true
            case .rope: config.model.positionalEncoding = .rope
            case .dropout: config.model.dropout = 0.1
            case .experts: config.model.moeExperts = 4
            }
            return config
        }

        /// Steps that replay out of six: all but the first and the one after the evaluation
        /// (each micro-batch of an accumulated step replays, so those count too); none when the
        /// model cannot be replayed.
        var expectedReplayedSteps: Int {
            switch self {
            case .experts: 0                           // the trainer watches the routing
            default: 4
            }
        }
    }

    @Test(arguments: Variant.allCases) func replayedStepsAreBitIdenticalToRecordedSteps(variant: Variant) throws {
        let recorded = try withThreadCount(1) { try Self.run(variant.config, replay: false) }
        let replayed = try withThreadCount(1) { try Self.run(variant.config, replay: true) }
        #expect(recorded.replayedSteps == 0)
        #expect(replayed.replayedSteps == variant.expectedReplayedSteps)
        #expect(replayed.losses == recorded.losses)
        #expect(replayed.norms == recorded.norms)
        let differing = zip(replayed.weights, recorded.weights).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) parameters differ")
        #expect(recorded.losses.last! < recorded.losses.first!)
    }
}

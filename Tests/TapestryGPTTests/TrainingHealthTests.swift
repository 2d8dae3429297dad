// `train --health`: its figures against the same figures computed independently (a second
// trainer with the same seed, stepped by hand), its determinism, and the verdict's checks.

import Foundation
import Testing
import Tapestry
import TapestryNN
@testable import TapestryGPT

@Suite(.serialized) struct TrainingHealthTests {
    /// Mean and population std of `values`, two passes in Double.
    func meanAndStd(_ values: [Float]) -> (Double, Double) {
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }

    /// The layer a parameter belongs to, from its nanoGPT name alone.
    func layer(of name: String) -> String {
        if name.hasPrefix("transformer.wte") || name.hasPrefix("transformer.wpe") { return "embeddings" }
        if name.hasPrefix("transformer.ln_f") { return "ln_f" }
        return String(name.dropFirst("transformer.".count).split(separator: ".").prefix(2).joined(separator: "."))
    }

    func close(_ a: Double?, _ b: Double, relative: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= relative * max(abs(a), abs(b), 1e-12)
    }

    @Test func theFirstStepsFiguresMatchAStepTakenByHand() throws {
        let config = tinyTrainConfig()
        let data = try TrainingData.load(config)
        let measured = Trainer(config: config, data: data)
        measured.health = TrainingHealth(model: measured.model, config: config)
        _ = try measured.step()
        let report = try #require(measured.health?.takeReport())
        #expect(report.step == 1)
        #expect(report.layers.map(\.name) == ["embeddings", "h.0", "h.1", "ln_f"])

        // The same step by hand on a twin trainer: forward, backward, norms, clip, AdamW.
        let twin = Trainer(config: config, data: data)
        let model = twin.model
        let batch = twin.nextBatch()
        var context = ForwardContext(training: true, generator: RandomGenerator.derived(seed: config.seed, stream: 0))
        let loss = model(batch.inputs, batch: batch.batchSize, time: batch.time, targets: batch.targets,
                         tape: twin.tape, context: &context).loss!
        twin.tape.backward(loss)
        twin.tape.reset()
        var squares: [String: Double] = [:]
        for parameter in model.parameters {
            squares[layer(of: parameter.name), default: 0] += parameter.grad.scalars.reduce(0) { $0 + Double($1) * Double($1) }
        }
        for row in report.layers {
            #expect(close(row.gradientNorm, squares[row.name]!.squareRoot()), "\(row.name) gradient norm")
        }
        #expect(close(report.gradientNorm, squares.values.reduce(0, +).squareRoot()))
        #expect(report.clipEvents.steps == 1 && report.clipEvents.clipped == (report.gradientNorm > 1 ? 1 : 0))

        // Update ratio over each layer's matrices (ln_f: its vectors), before vs after AdamW.
        func reported(_ parameter: Parameter) -> Bool {
            parameter.value.rank >= 2 || layer(of: parameter.name) == "ln_f"
        }
        let before = model.parameters.map(\.value.scalars)
        clipGradientNorm(model.parameters, maxNorm: config.gradClip)
        twin.optimizer.step(learningRate: twin.schedule(0))
        var weightSquares: [String: Double] = [:], updateSquares: [String: Double] = [:]
        for (parameter, old) in zip(model.parameters, before) where reported(parameter) {
            let name = layer(of: parameter.name)
            for (w, new) in zip(old, parameter.value.scalars) {
                weightSquares[name, default: 0] += Double(w) * Double(w)
                updateSquares[name, default: 0] += (Double(new) - Double(w)) * (Double(new) - Double(w))
            }
        }
        for row in report.layers {
            #expect(close(row.weightNorm, weightSquares[row.name]!.squareRoot()), "\(row.name) weight norm")
            #expect(close(row.updateRatio, (updateSquares[row.name]! / weightSquares[row.name]!).squareRoot(), relative: 1e-6),
                    "\(row.name) update ratio")
        }

        // Residual stream: wte[ids] + wpe[t] by hand, then each block in turn.
        // The health figures were measured before the update: put the twin's weights back first.
        for (parameter, old) in zip(model.parameters, before) {
            parameter.value = Tensor(shape: parameter.value.shape, scalars: old)
        }
        let c = model.config.nEmbd, t = batch.time
        let table = model.wte.weight.value.scalars, positions = model.wpe!.weight.value.scalars
        var stream = [Float](repeating: 0, count: batch.inputs.count * c)
        for (index, id) in batch.inputs.enumerated() {
            for j in 0..<c { stream[index * c + j] = table[id * c + j] + positions[(index % t) * c + j] }
        }
        let tape = Tape()
        var x = tape.constant(Tensor(shape: [batch.batchSize, t, c], scalars: stream))
        var expected = [meanAndStd(stream)]
        var evaluation = ForwardContext.evaluation
        for block in model.blocks {
            x = block(x, context: &evaluation).output
            expected.append(meanAndStd(x.value.scalars))
        }
        for (row, (mean, std)) in zip(report.layers, expected) {
            #expect(abs(row.residualMean! - mean) < 1e-9, "\(row.name) mean")
            #expect(close(row.residualStandardDeviation, std, relative: 1e-6), "\(row.name) std")
        }
        #expect(report.layers.last!.residualMean == nil)
    }

    @Test func healthDoesNotChangeTheLosses() throws {
        let config = tinyTrainConfig()            // log interval 2: steps 1, 2 and 4 are measured
        let data = try TrainingData.load(config)
        let plain = Trainer(config: config, data: data)
        let watched = Trainer(config: config, data: data)
        watched.health = TrainingHealth(model: watched.model, config: config)
        var reports = 0
        for _ in 0..<5 {
            #expect(try plain.step() == watched.step())
            if watched.health!.takeReport() != nil { reports += 1 }
        }
        #expect(reports == 3)
        for (a, b) in zip(plain.model.parameters, watched.model.parameters) { #expect(a.value == b.value, "\(a.name)") }
    }

    @Test func clipEventsCountTheStepsAboveTheClipSinceTheLastReport() throws {
        var config = tinyTrainConfig()
        config.logInterval = 3
        config.gradClip = 1e-6                    // every step clips
        let trainer = Trainer(config: config, data: try TrainingData.load(config))
        trainer.health = TrainingHealth(model: trainer.model, config: config)
        var norms: [Float] = []
        for _ in 0..<3 { norms.append(try trainer.step().gradientNorm) }
        // Step 1 reported alone; steps 2 and 3 in the report of step 3.
        let report = try #require(trainer.health?.takeReport())
        #expect(report.step == 3)
        #expect(report.clipEvents.steps == 2 && report.clipEvents.clipped == 2)
        #expect(report.clipEvents.lastNorm == norms[2] && report.clipEvents.largestNorm == max(norms[1], norms[2]))
        // Past warm-up (2 steps), clipping every step is flagged.
        #expect(report.warnings.contains { $0.contains("every step since the last report clipped") })
        #expect(report.lines.contains { $0.contains("clipping: 2 of 2 steps") })
    }

    @Test func theVerdictFlagsWhatIsFarOffAndPassesWhatIsNot() {
        func layer(_ name: String, gradient: Double = 0.5, update: Double = 1e-2, std: Double? = 0.5) -> TrainingHealth.Layer {
            TrainingHealth.Layer(name: name, gradientNorm: gradient, weightNorm: 1, updateNorm: update,
                                 residualMean: std.map { _ in 0 }, residualStandardDeviation: std)
        }
        let clip = TrainingHealth.ClipEvents(clip: 1)
        let healthy = [layer("embeddings"), layer("h.0"), layer("h.1"), layer("ln_f", update: 1e-3, std: nil)]
        #expect(TrainingHealth.warnings(layers: healthy, clipEvents: clip, pastWarmup: true).isEmpty)
        let cases: [([TrainingHealth.Layer], String)] = [
            ([layer("h.0", update: 0.5), layer("h.1")], "h.0: update/weight 10^-0.3 > 10^-1"),
            ([layer("h.0", update: 1e-7), layer("h.1")], "h.0: update/weight 10^-7.0 < 10^-5"),
            ([layer("h.0", gradient: .nan), layer("h.1")], "h.0: NaN or infinity"),
            ([layer("h.0", gradient: 0, update: 0), layer("h.1")], "h.0: gradient norm 0"),
            ([layer("h.0", gradient: 1e-4), layer("h.1", gradient: 1)], "gradient norm h.0/h.1 = 1.00e-04"),
            ([layer("h.0", std: 1e-5), layer("h.1")], "h.0: residual std 1.00e-05 < 1e-3"),
            ([layer("h.0"), layer("h.1", std: 500)], "h.1: residual std 5.00e+02 > 100"),
        ]
        for (layers, expected) in cases {
            let found = TrainingHealth.warnings(layers: layers, clipEvents: clip, pastWarmup: true)
            #expect(found.contains { $0.hasPrefix(expected) }, "expected \"\(expected)\" in \(found)")
        }
    }
}

// TrainingHealth: `train --health`, the figures that tell whether a run is healthy, per layer.
//
// At every log step (the steps that print an "iter" line) the trainer measures, for each layer
// (embeddings = wte, tied to the head, plus wpe; each block h.i; the final ln_f):
//   gradient norm     ‖g‖ = √Σg² over all the layer's parameters, BEFORE clipping (the
//                     layers' norms add in quadrature to the global norm that is clipped)
//   weight norm       ‖W‖ before the update, over the layer's weight matrices (rank ≥ 2;
//                     ln_f has none, so its gain and bias): LayerNorm gains start at 1 and
//                     would otherwise hide the matrices, which hold nearly all the weights
//   update ratio      ‖ΔW‖/‖W‖ over the same weights, ΔW = this step's change by AdamW
//                     (weight decay included), printed as log10. Karpathy's rule of thumb is
//                     around −3 (a thousandth of each weight per step); AdamW at lr 1e-3 runs
//                     the default config's matrices near −2 (measured), so the verdict only
//                     flags ratios far outside that range
//   residual stream   mean and std after the embeddings and after each block (ResidualStatistics)
// and, at every step, the clip events: steps whose pre-clip global norm exceeded --grad-clip.
// Measuring only reads: the losses are bit-identical with and without --health. The extra
// cost, on log steps only, is one copy of the weights and a few passes over them.
//
// The verdict line is a heuristic (each check names the layer and the number):
//   - any NaN or infinity in the figures
//   - a layer with gradient norm 0 (frozen or disconnected)
//   - update ratio above 10^−1 (lr too high?) or below 10^−5 (lr too low, vanishing gradient?)
//   - gradient norm of the first block < 1/100 or > 100 times the last block's (vanishing /
//     exploding through depth)
//   - residual std below 1e-3 (collapsed) or above 100 (exploding). (The std does grow with
//     depth: 0.05 after the embeddings to ~1 after block 3 at step 300 of the default run.)
//   - every step since the last report clipped, after warm-up (lr too high or clip too low?)
// It is not a proof of health: a flat loss with healthy-looking numbers is still a bad run.

import Foundation
import Tapestry
import TapestryNN

/// Per-layer gradient norms, update ratios, residual statistics and clip events, measured by
/// a `Trainer` at each log step (see TrainingHealth.swift).
public final class TrainingHealth {
    /// One layer's figures at a measured step.
    public struct Layer: Sendable {
        public let name: String
        /// ‖g‖ before clipping, over all the layer's parameters.
        public let gradientNorm: Double
        /// ‖W‖ before the update, over the layer's matrices (all its parameters if it has none).
        public let weightNorm: Double
        /// ‖W_after − W_before‖.
        public let updateNorm: Double
        /// Residual stream after this layer (nil for ln_f, which is not on the stream).
        public let residualMean: Double?
        public let residualStandardDeviation: Double?

        /// ‖ΔW‖/‖W‖ (0 for a zero weight).
        public var updateRatio: Double { weightNorm > 0 ? updateNorm / weightNorm : 0 }
    }

    /// Clip events since the previous report.
    public struct ClipEvents: Sendable {
        /// --grad-clip (0 = off).
        public var clip: Float
        public var steps = 0
        /// Steps whose pre-clip norm exceeded `clip`.
        public var clipped = 0
        public var lastNorm: Float = 0
        public var largestNorm: Float = 0
    }

    /// Everything measured at one log step.
    public struct Report: Sendable {
        public let step: Int
        public let layers: [Layer]
        /// The global gradient norm before clipping (all layers).
        public let gradientNorm: Double
        public let clipEvents: ClipEvents
        /// The verdict's findings; empty means healthy.
        public let warnings: [String]
    }

    /// Parameter groups by layer, in model order.
    let groups: [(name: String, parameters: [Parameter])]
    /// Per group, the parameters whose weight norm and update ratio are reported.
    let weights: [[Parameter]]
    let logInterval: Int
    let warmupIters: Int
    var clipEvents: ClipEvents
    // State of the step being measured (nil residuals: this step is not measured).
    var residuals: ResidualStatistics?
    var measuredStep = 0
    var gradientNorms: [Double] = []
    var weightsBefore: [[[Float]]] = []
    /// The report of the last measured step, until `takeReport()`.
    var latest: Report?

    /// Health measurement for `model` trained with `config` (its log interval, clip and warm-up).
    public init(model: GPT, config: TrainConfig) {
        var groups: [(String, [Parameter])] = [("embeddings", model.wte.parameters + (model.wpe?.parameters ?? []))]
        for (i, block) in model.blocks.enumerated() { groups.append(("h.\(i)", block.parameters)) }
        groups.append(("ln_f", model.lnF.parameters))
        self.groups = groups
        weights = groups.map { group in
            let matrices = group.1.filter { $0.value.rank >= 2 }
            return matrices.isEmpty ? group.1 : matrices
        }
        logInterval = config.logInterval
        warmupIters = config.warmupIters
        clipEvents = ClipEvents(clip: config.gradClip)
    }

    /// Whether optimizer step `step` (1-based) is measured: the steps that print an "iter" line.
    public func measures(step: Int) -> Bool { step % logInterval == 0 || step == 1 }

    // MARK: - Called by Trainer.step, in this order

    /// Starts step `step`; returns the residual observer for its forward passes, or nil when
    /// the step is not measured.
    func beginStep(_ step: Int) -> ResidualStatistics? {
        residuals = measures(step: step) ? ResidualStatistics() : nil
        measuredStep = step
        return residuals
    }

    /// After the backward passes, before clipping.
    func recordGradients() {
        guard residuals != nil else { return }
        gradientNorms = groups.map { gradientNorm($0.parameters) }
    }

    /// Every step: the pre-clip global norm that `clipGradientNorm` returned.
    func recordClip(norm: Float) {
        clipEvents.steps += 1
        if clipEvents.clip > 0 && norm > clipEvents.clip { clipEvents.clipped += 1 }
        clipEvents.lastNorm = norm
        clipEvents.largestNorm = max(clipEvents.largestNorm, norm)
    }

    /// After clipping, right before the optimizer step.
    func recordWeightsBeforeUpdate() {
        guard residuals != nil else { return }
        weightsBefore = weights.map { $0.map(\.value.scalars) }
    }

    /// After the optimizer step: builds the report.
    func endStep() {
        guard let residuals else { return }
        var layers: [Layer] = []
        for (index, group) in groups.enumerated() {
            var weightSquares = 0.0, updateSquares = 0.0
            for (parameter, before) in zip(weights[index], weightsBefore[index]) {
                let after = parameter.value.pointer
                for i in 0..<before.count {
                    let w = Double(before[i]), change = Double(after[i]) - w
                    weightSquares += w * w
                    updateSquares += change * change
                }
            }
            // Residual position i + 1 follows block i; the embeddings are position 0.
            let position: Int? = group.name == "ln_f" ? nil : index
            let observed = position.flatMap { $0 < residuals.positions ? $0 : nil }
            layers.append(Layer(name: group.name, gradientNorm: gradientNorms[index], weightNorm: weightSquares.squareRoot(),
                                updateNorm: updateSquares.squareRoot(), residualMean: observed.map(residuals.mean),
                                residualStandardDeviation: observed.map(residuals.standardDeviation)))
        }
        let global = gradientNorms.reduce(0) { $0 + $1 * $1 }.squareRoot()
        latest = Report(step: measuredStep, layers: layers, gradientNorm: global, clipEvents: clipEvents,
                        warnings: Self.warnings(layers: layers, clipEvents: clipEvents,
                                                pastWarmup: measuredStep > warmupIters))
        clipEvents = ClipEvents(clip: clipEvents.clip)
        self.residuals = nil
        weightsBefore = []
    }

    /// The last measured step's report (once), or nil.
    public func takeReport() -> Report? {
        defer { latest = nil }
        return latest
    }

    // MARK: - Verdict

    /// The heuristic checks listed in the file header; empty when none fires.
    static func warnings(layers: [Layer], clipEvents: ClipEvents, pastWarmup: Bool) -> [String] {
        var found: [String] = []
        for layer in layers {
            let figures = [layer.gradientNorm, layer.weightNorm, layer.updateNorm,
                           layer.residualMean ?? 0, layer.residualStandardDeviation ?? 0]
            if figures.contains(where: { !$0.isFinite }) { found.append("\(layer.name): NaN or infinity"); continue }
            if layer.gradientNorm == 0 { found.append("\(layer.name): gradient norm 0 (frozen or disconnected?)") }
            let ratio = log10(layer.updateRatio)
            if layer.updateRatio > 0.1 {
                found.append("\(layer.name): update/weight 10^\(fixed(ratio, 1)) > 10^-1 (lr too high?)")
            } else if layer.updateRatio < 1e-5 && layer.gradientNorm > 0 {
                found.append("\(layer.name): update/weight 10^\(fixed(ratio, 1)) < 10^-5 (lr too low or vanishing gradient?)")
            }
            if let std = layer.residualStandardDeviation, std < 1e-3 || std > 100 {
                found.append("\(layer.name): residual std \(scientific(std)) "
                    + (std < 1e-3 ? "< 1e-3 (collapsed activations?)" : "> 100 (exploding activations?)"))
            }
        }
        let blocks = layers.filter { $0.name.hasPrefix("h.") }
        if let first = blocks.first, let last = blocks.last, blocks.count > 1, last.gradientNorm > 0 {
            let ratio = first.gradientNorm / last.gradientNorm
            if ratio < 0.01 || ratio > 100 {
                found.append("gradient norm \(first.name)/\(last.name) = \(scientific(ratio)) (vanishing or exploding through depth?)")
            }
        }
        if pastWarmup && clipEvents.clip > 0 && clipEvents.steps > 1 && clipEvents.clipped == clipEvents.steps {
            found.append("every step since the last report clipped (lr too high or --grad-clip too low?)")
        }
        return found
    }
}

/// `value` with `decimals` digits after the point.
func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
/// `value` in scientific notation with 2 digits, e.g. 1.23e-03.
func scientific(_ value: Double) -> String { String(format: "%.2e", value) }

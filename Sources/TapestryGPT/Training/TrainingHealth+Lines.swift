// TrainingHealth+Lines: how `train --health` prints a report: a small table per log step,
// one row per layer, then the clip events and the verdict. Real output (block 16, 2 layers,
// 32 embd, batch 4, --log-interval 10):
//
//   health at iter 10 (gradient norms before clipping; update = this step's AdamW change):
//       layer       grad norm  weight norm  log10(update/weight)  resid mean  resid std
//       embeddings     1.0227       1.0565                 -2.51     -0.0009     0.0274
//       h.0            0.9163       1.8068                 -2.54     -0.0004     0.0282
//       h.1            0.8854       1.8328                 -2.53      0.0001     0.0293
//       ln_f           0.0237       5.6564                 -4.04           —          —
//       all            1.6340
//       clipping: 9 of 9 steps since the last report above --grad-clip 1.0 (last norm 1.6340, largest 2.5556)
//       verdict: healthy

import Foundation

extension TrainingHealth.Report {
    /// The report as printed by `train --health`.
    public var lines: [String] {
        func column(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(1, width - text.count)) + text
        }
        let nameWidth = max(10, layers.map(\.name.count).max() ?? 0)
        func name(_ text: String) -> String { "    " + text.padding(toLength: nameWidth, withPad: " ", startingAt: 0) }
        var lines = ["health at iter \(step) (gradient norms before clipping; update = this step's AdamW change):",
                     name("layer") + column("grad norm", 11) + column("weight norm", 13)
                        + column("log10(update/weight)", 22) + column("resid mean", 12) + column("resid std", 11)]
        for layer in layers {
            let ratio = layer.updateRatio > 0 ? fixed(log10(layer.updateRatio), 2) : "-inf"
            lines.append(name(layer.name) + column(fixed(layer.gradientNorm, 4), 11) + column(fixed(layer.weightNorm, 4), 13)
                + column(ratio, 22) + column(layer.residualMean.map { fixed($0, 4) } ?? "—", 12)
                + column(layer.residualStandardDeviation.map { fixed($0, 4) } ?? "—", 11))
        }
        lines.append(name("all") + column(fixed(gradientNorm, 4), 11))
        let clip = clipEvents
        let norms = "(last norm \(fixed(Double(clip.lastNorm), 4)), largest \(fixed(Double(clip.largestNorm), 4)))"
        lines.append(clip.clip > 0
            ? "    clipping: \(clip.clipped) of \(clip.steps) steps since the last report above --grad-clip \(clip.clip) \(norms)"
            : "    clipping: off (--grad-clip 0) \(norms)")
        lines.append("    verdict: " + (warnings.isEmpty ? "healthy" : "check: " + warnings.joined(separator: "; ")))
        return lines
    }
}

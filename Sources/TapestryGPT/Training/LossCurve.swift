// LossCurve: loss.csv (iter, train loss, val loss, lr) and loss.svg (both curves, with axes).
// Lesson: notebooks-md/09-training.md

import Tapestry

/// Writes the loss history as a CSV table and as an SVG picture.
public enum LossCurve {
    /// The CSV text: a header line, then one row per evaluation.
    public static func csv(_ history: [LossRecord]) -> String {
        var lines = ["iter,train_loss,val_loss,lr"]
        for record in history {
            lines.append("\(record.iteration),\(record.trainLoss),\(record.valLoss),\(record.learningRate)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes both files atomically.
    public static func write(_ history: [LossRecord], csv csvPath: String, svg svgPath: String) throws {
        try writeFileAtomically(Array(csv(history).utf8), to: csvPath)
        let iterations = history.map { Double($0.iteration) }
        let train = LinePlot.Series(name: "train", x: iterations, y: history.map { Double($0.trainLoss) })
        let val = LinePlot.Series(name: "val", x: iterations, y: history.map { Double($0.valLoss) })
        var plot = LinePlot(title: "Loss", xLabel: "iteration", yLabel: "cross-entropy (nats/token)",
                            series: [train, val])
        plot.showsMarkers = true
        try writeFileAtomically(Array(plot.svg().utf8), to: svgPath)
    }
}

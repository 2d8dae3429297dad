// moons: micrograd's classic demo on Tapestry. A 2-16-16-1 MLP learns to separate 100 noisy
// "two moons" points, prints its loss and accuracy at every step, and draws the decision
// boundary it found as an SVG.
//
//   swift run moons                       100 steps, seed 1, writes out/moons.svg
//   swift run moons --steps 200 --seed 7 --out /tmp/moons
//
// Training is micrograd's: full batch, the SVM max-margin loss with an L2 penalty (α = 1e-4),
// plain SGD whose learning rate falls linearly from 1.0 to 0.1 over the run.
//
// Errors are one line on stderr, `error: moons: ...`, as in `train` (TapestryGPT provides only
// that and the --out check here). Exit status: 0 success; 2 misuse (a bad flag, an --out that
// cannot be a directory: checked before training); 1 the picture could not be written.

import Foundation
import Tapestry
import TapestryGPT
import TapestryNN

// MARK: - Options

struct Options {
    var steps = 100
    var seed: UInt64 = 1
    var outputDirectory = "out"
}

let usage = """
usage: moons [--steps N] [--seed N] [--out DIR]

Trains a 2-16-16-1 MLP on 100 seeded "two moons" points (micrograd's demo), prints the loss
and accuracy per step, and writes the decision boundary to DIR/moons.svg.

options:
  --steps N   training steps, N >= 1 (default 100)
  --seed N    seed for the data and the initial weights (default 1)
  --out DIR   output directory, created if missing (default out)
  --help      show this help

"""

/// Prints `error: moons: <message> (see --help)` as one line on stderr and exits with status 2
/// (a usage error).
func fail(_ message: String) -> Never {
    exitWithError("moons: \(message) (see --help)", code: 2)
}

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
        // Accept both "--steps 5" and "--steps=5".
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        let flag = parts[0]
        func value() -> String {
            if parts.count == 2 { return parts[1] }
            guard let next = remaining.popFirst() else { fail("\(flag) needs a value") }
            return next
        }
        switch flag {
        case "--help", "-h":
            print(usage, terminator: "")
            exit(0)
        case "--steps":
            let text = value()
            guard let steps = Int(text), steps >= 1 else { fail("--steps must be an integer >= 1, got '\(text)'") }
            options.steps = steps
        case "--seed":
            let text = value()
            guard let seed = UInt64(text) else { fail("--seed must be a non-negative integer, got '\(text)'") }
            options.seed = seed
        case "--out":
            let text = value()
            guard !text.isEmpty else { fail("--out needs a directory") }
            options.outputDirectory = text
        default:
            fail("unknown option '\(argument)'")
        }
    }
    return options
}

// MARK: - Training

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
let outputDirectory: OutputDirectory
do { outputDirectory = try OutputDirectory(checking: options.outputDirectory, for: "the picture") }
catch { exitWithError("moons: \(error)", code: 2) }
var generator = RandomGenerator(seed: options.seed)
let data = MoonsDataset.make(count: 100, noise: 0.1, generator: &generator)
let model = MLP(sizes: [2, 16, 16, 1], generator: &generator)
let optimizer = SGD(parameters: model.parameters, learningRate: 1.0)
let tape = Tape()
print("moons: \(data.count) points, MLP 2-16-16-1 with \(model.parameterCount) parameters, \(options.steps) steps")

for step in 0..<options.steps {
    tape.reset()
    let scores = model(tape.constant(data.points))                     // [N, 1]
    let loss = maxMarginLoss(scores: scores, labels: tape.constant(data.labels),
                             parameters: model.parameters, alpha: 1e-4)
    let (correct, total) = accuracy(scores: scores.value, labels: data.labels)
    model.zeroGrad()
    tape.backward(loss)
    let learningRate = 1.0 - 0.9 * Float(step) / Float(options.steps)  // 1.0 → 0.1
    optimizer.step(learningRate: learningRate)
    print(String(format: "step %3d  loss %.4f  accuracy %3d%%", step, loss.value.item, 100 * correct / total))
}

// MARK: - Result

tape.reset()
let (finalLoss, finalScores, gridScores, bounds, resolution) = tape.withoutGrad {
    let scores = model(tape.constant(data.points))
    let loss = maxMarginLoss(scores: scores, labels: tape.constant(data.labels),
                             parameters: model.parameters, alpha: 1e-4)
    let bounds = PlotBounds(around: data.points, margin: 0.5)
    let resolution = 60
    let grid = model(tape.constant(gridPoints(bounds, resolution: resolution)))   // [3600, 1]
    return (loss.value.item, scores.value, grid.value, bounds, resolution)
}
let (correct, total) = accuracy(scores: finalScores, labels: data.labels)
let summary = "final: loss \(String(format: "%.4f", finalLoss))  accuracy \(100 * correct / total)% (\(correct)/\(total))"
print(summary)

let caption = "moons, seed \(options.seed), \(options.steps) steps: \(100 * correct / total)% of \(total) points correct"
let svg = decisionBoundarySVG(bounds: bounds, resolution: resolution, gridScores: gridScores,
                              points: data.points, labels: data.labels, caption: caption)
let file = outputDirectory.file("moons.svg")
do { try outputDirectory.create() } catch { exitWithError("moons: \(error)", code: 2) }
do {
    // Atomic: written to a temporary file, then renamed, so a reader never sees half an image.
    try AtomicFile.write(text: svg, to: file)
} catch {
    exitWithError("moons: \(error)", code: 1)
}
print("wrote \(file)")

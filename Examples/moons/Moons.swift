// Moons: the data set and the model of micrograd's demo, on Tapestry.
//
// The data: sklearn's `make_moons`. Two interleaving half circles, one point every π/49
// radians along each, with Gaussian noise (σ = 0.1) added to both coordinates:
//   upper moon (label −1): (cos θ, sin θ)                θ = 0 … π
//   lower moon (label +1): (1 − cos θ, 1 − sin θ − 0.5)
// No straight line separates them, so a linear model tops out near 85%; the MLP's hidden
// ReLU layers bend the boundary around the tips.
// The model: micrograd's `MLP(2, [16, 16, 1])`, ReLU after each hidden layer, a raw score
// out; the class is the score's sign.
// What it is not: a test set or a data loader. It trains on all 100 points at once.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tapestry
import TapestryNN

/// The two-moons points and their ±1 labels.
struct MoonsDataset {
    /// [N, 2], the (x, y) of each point.
    let points: Tensor
    /// [N, 1], −1 for the upper moon, +1 for the lower one.
    let labels: Tensor

    /// `count` points, half on each moon, with noise N(0, noise²) drawn from `generator`.
    static func make(count: Int, noise: Float, generator: inout RandomGenerator) -> MoonsDataset {
        let upperCount = count / 2, lowerCount = count - upperCount
        var coordinates: [Float] = [], labels: [Float] = []
        for (moon, pointCount) in [(0, upperCount), (1, lowerCount)] {
            for i in 0..<pointCount {
                let angle = Double.pi * Double(i) / Double(max(pointCount - 1, 1))    // linspace(0, π)
                let x = moon == 0 ? cos(angle) : 1 - cos(angle)
                let y = moon == 0 ? sin(angle) : 1 - sin(angle) - 0.5
                coordinates += [Float(x) + noise * generator.normal(), Float(y) + noise * generator.normal()]
                labels.append(moon == 0 ? -1 : 1)
            }
        }
        return MoonsDataset(points: Tensor(shape: [count, 2], scalars: coordinates),
                            labels: Tensor(shape: [count, 1], scalars: labels))
    }

    var count: Int { points.shape[0] }
}

/// A multilayer perceptron: Linear, ReLU, …, Linear. Layer i is named `layers.i`.
final class MLP: Module {
    let layers: [Linear]

    /// `sizes` = [inputs, hidden…, outputs], e.g. [2, 16, 16, 1].
    ///
    /// micrograd's initialization: every weight ~ U(−1, 1), biases 0. It is larger than
    /// PyTorch's U(−1/√in, 1/√in), so the 16 ReLU units start with kinks spread across the
    /// plane. Measured over seeds 1–40 at 100 steps: 37 reach 100% this way; with PyTorch's
    /// default, seed 1 stops at 97%.
    init(sizes: [Int], generator: inout RandomGenerator) {
        var layers: [Linear] = []
        for i in 0..<(sizes.count - 1) {
            let weight = Tensor.randomUniform([sizes[i + 1], sizes[i]], low: -1, high: 1, using: &generator)
            layers.append(Linear(name: "layers.\(i)", weight: weight, bias: Tensor(zeros: [sizes[i + 1]])))
        }
        self.layers = layers
    }

    var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// [N, inputs] → [N, outputs]: ReLU after every layer but the last.
    func callAsFunction(_ x: Variable) -> Variable {
        var h = x
        for (index, layer) in layers.enumerated() {
            h = layer(h)
            if index < layers.count - 1 { h = h.relu() }
        }
        return h
    }
}

/// micrograd's loss: the SVM max-margin loss mean(relu(1 − y·score)) plus an L2 penalty
/// α·Σ p² over every parameter. A point stops contributing once it is on the right side of the
/// boundary by a margin of 1.
func maxMarginLoss(scores: Variable, labels: Variable, parameters: [Parameter], alpha: Float) -> Variable {
    let dataLoss = (1 - labels * scores).relu().mean()                 // []
    var penalty = scores.tape.parameter(parameters[0]).squared().sum()
    for parameter in parameters.dropFirst() {
        penalty = penalty + scores.tape.parameter(parameter).squared().sum()
    }
    return dataLoss + alpha * penalty
}

/// Fraction of rows whose score has the label's sign.
func accuracy(scores: Tensor, labels: Tensor) -> (correct: Int, total: Int) {
    var correct = 0
    for i in 0..<labels.count where (scores[flat: i] > 0) == (labels[flat: i] > 0) { correct += 1 }
    return (correct, labels.count)
}

// TinyMLP: the computation tape-step records: a 2-layer MLP on one example, plus a penalty.
//
//   h       = tanh(x · W1ᵀ + b1)                 [1, 4]    x [1, 3] is a constant (the data)
//   logits  = h · W2ᵀ + b2                       [1, 2]
//   loss    = crossEntropy(logits, t) + λ·√(Σ W2²)         λ = 0.01, t = 1
//
// The norm penalty is there for two lessons. W2 is used twice (by the second linear and by
// the penalty), so its gradient is the SUM of two contributions (fan-out). And √ has an
// infinite slope at 0: with --inject-nan, W2 starts at zero (a classic initialization bug),
// the forward pass stays finite, and the backward pass of √ produces Inf, then NaN.
// What it is not: a trained model. The weights are random; only the gradients matter here.

import Tapestry

/// The leaves and the forward pass of the tiny MLP.
struct TinyMLP {
    /// The one example and its class.
    static let input: [Float] = [0.5, -1.0, 2.0]
    static let target = 1
    /// λ of the norm penalty.
    static let penaltyWeight: Float = 0.01

    /// Leaf names and values, in the order they go on the tape (slots %0, %1, ...).
    let leaves: [(name: String, value: Tensor)]

    init(seed: UInt64, injectNaN: Bool) {
        var generator = RandomGenerator(seed: seed)
        let w1 = Tensor.randomNormal([4, 3], std: 0.8, using: &generator)           // [hidden, in]
        let b1 = Tensor.randomNormal([4], std: 0.1, using: &generator)              // [hidden]
        let w2 = injectNaN ? Tensor(zeros: [2, 4])                                   // the bug
            : Tensor.randomNormal([2, 4], std: 0.8, using: &generator)              // [classes, hidden]
        let b2 = Tensor(zeros: [2])                                                 // [classes]
        leaves = [("W1", w1), ("b1", b1), ("W2", w2), ("b2", b2)]
    }

    /// Records the forward pass on `tape`. Returns the loss, the leaf variables and the input.
    func record(on tape: Tape) -> (loss: Variable, leaves: [Variable], input: Variable) {
        let variables = leaves.map { tape.variable($0.value) }
        let x = tape.constant(Tensor(shape: [1, TinyMLP.input.count], scalars: TinyMLP.input))
        return (TinyMLP.forward(x: x, variables), variables, x)
    }

    /// The loss for the given leaf values, computed without recording (for finite differences).
    func loss(leafValues: [Tensor]) -> Float {
        let tape = Tape()
        return tape.withoutGrad {
            let x = tape.constant(Tensor(shape: [1, TinyMLP.input.count], scalars: TinyMLP.input))
            return TinyMLP.forward(x: x, leafValues.map { tape.constant($0) }).value.item
        }
    }

    /// The computation itself; `p` is [W1, b1, W2, b2].
    static func forward(x: Variable, _ p: [Variable]) -> Variable {
        let h = x.linear(weight: p[0], bias: p[1]).tanh()                 // [1, 4]
        let logits = h.linear(weight: p[2], bias: p[3])                   // [1, 2]
        let dataLoss = logits.crossEntropy(targets: [target])            // []
        let penalty = p[2].squared().sum().sqrt() * penaltyWeight         // λ·‖W2‖, []
        return dataLoss + penalty
    }
}

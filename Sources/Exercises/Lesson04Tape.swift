// Exercises 4.1 and 4.2 (notebooks-md/04-the-tape.md). Grade them with `swift run grade 4.1`
// and `swift run grade 4.2`.

import Tapestry

/// Exercise 4.1: backpropagation by hand, no tape.
///
/// For $f(a, b) = \tanh(a \cdot b + a)$ return the value f and the two partial derivatives
/// ∂f/∂a and ∂f/∂b. Write the forward pass as two named steps (u = a·b + a, f = tanh u), then
/// walk them backward with the chain rule. Careful: `a` is used twice.
public func tanhExpressionGradients(a: Float, b: Float) throws -> (value: Float, da: Float, db: Float) {
    throw ExerciseError.notImplemented("Exercise 4.1")
}

/// Exercise 4.2: a new op on the tape, forward and backward side by side.
///
/// The logistic sigmoid, element by element: $y = \sigma(x) = 1 / (1 + e^{-x})$, with local
/// derivative $dy/dx = y\,(1 - y)$. Follow the op pattern of Sources/Tapestry/Ops/Linear.swift:
/// make the output (`var y = Tensor(uninitializedShape: x.shape)`, filled inside
/// `y.withUnsafeMutableBufferPointer { ... }`), then return
/// `x.tape.record("sigmoid", inputs: [x], output: y) { dy in ... }` whose closure ADDS
/// dy · y(1 − y) into `x.tape.gradientPointer(x)` (when it is not nil).
public func sigmoid(_ x: Variable) throws -> Variable {
    throw ExerciseError.notImplemented("Exercise 4.2")
}

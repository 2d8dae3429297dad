// Parameter: a trainable tensor with a stable dotted name and its own gradient.
//
// The name is the same everywhere: checkpoint keys (nanoGPT's state_dict names such as
// `transformer.h.0.attn.c_attn.weight`), optimizer state, tests and viewers.

/// A named trainable tensor and the gradient that `Tape.backward` adds into.
///
/// Optimizers update `value` in place (as PyTorch does), so a Variable made from this
/// parameter earlier in the step sees the new values.
public final class Parameter {
    /// Dotted name, e.g. `transformer.wte.weight`.
    public let name: String
    /// The current value.
    public var value: Tensor
    /// d(loss)/d(value), accumulated over backward calls until `zeroGrad()`.
    public var grad: Tensor

    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
    }

    /// Sets the gradient to zero, in place.
    public func zeroGrad() {
        grad.storage.pointer.update(repeating: 0, count: grad.count)
    }

    /// Replaces the value, keeping the shape (checked).
    public func load(_ newValue: Tensor) {
        precondition(newValue.shape == value.shape,
                     "Parameter \(name): expected shape \(value.shape), got \(newValue.shape)")
        value.storage.pointer.update(from: newValue.pointer, count: value.count)
    }

    /// Number of scalars.
    public var count: Int { value.count }
}

extension Sequence where Element == Parameter {
    /// Zeroes every parameter's gradient.
    public func zeroGrad() { forEach { $0.zeroGrad() } }
    /// Total number of scalars.
    public var scalarCount: Int { reduce(0) { $0 + $1.count } }
}

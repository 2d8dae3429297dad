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

    /// A parameter holding a private copy of `value`: optimizers write its buffer in place,
    /// and that must never show through the tensor it was made from.
    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self.value = Tensor(shape: value.shape, storage: value.storage.copy())
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

    /// The value's buffer, for optimizers that update in place. Writing through it skips
    /// copy-on-write on purpose: Variables made from this parameter earlier in the step share
    /// the buffer and see the update, as in PyTorch.
    public var valuePointer: UnsafeMutablePointer<Float> { value.storage.pointer }

    /// The gradient's buffer (the one `Tape.backward` adds into), for gradient clipping and
    /// optimizers. Writing through it keeps the tape and the parameter on the same buffer.
    public var gradientPointer: UnsafeMutablePointer<Float> { grad.storage.pointer }
}

extension Sequence where Element == Parameter {
    // @inlinable so that callers in other modules get a specialized loop: the generic one
    // allocated once per parameter, every step.
    /// Zeroes every parameter's gradient.
    @inlinable public func zeroGrad() { for parameter in self { parameter.zeroGrad() } }
    /// Total number of scalars.
    @inlinable public var scalarCount: Int { reduce(0) { $0 + $1.count } }
}

// Variable: a Tensor together with its place on a Tape.
//
// What it is: the value every differentiable op takes and returns. It carries the forward
// value (`value`) and, when it needs a gradient, the slot on the tape where backward collects
// it. Its gradient is read back with `tape.gradient(of:)`; a parameter's gradient is on the
// `Parameter` itself.
// What it is not: an owner of the tape. It refers to its tape without keeping it alive (so the
// backward closures the tape holds do not form reference cycles); use a Variable only while
// its tape exists, which in practice means within one training step.
// Lesson: notebooks-md/04-the-tape.md

/// A tensor value on a tape. Ops such as `a + b`, `x.matmul(w)` or `x.gelu()` return new
/// Variables and, when recording, add one node to the tape.
public struct Variable {
    /// The forward value.
    public let value: Tensor
    /// Gradient slot on the tape, or -1 for a constant (or anything computed without grad).
    public let slot: Int
    /// The tape that recorded this variable.
    public unowned let tape: Tape

    init(value: Tensor, slot: Int = -1, tape: Tape) {
        self.value = value
        self.slot = slot
        self.tape = tape
    }

    /// The value's shape.
    public var shape: [Int] { value.shape }
    /// Whether backward will compute a gradient for this variable.
    public var requiresGradient: Bool { slot >= 0 }
}

extension Variable: CustomStringConvertible {
    public var description: String {
        "Variable(slot: \(slot), \(value))"
    }
}

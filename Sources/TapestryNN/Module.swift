// Module: anything that owns trainable parameters (a layer, a block, a whole model).
//
// What it is: one requirement, `parameters`, listed by hand in a stable order, each with its
// dotted name (`transformer.h.0.ln_1.weight`). The checkpoint, the optimizer, the tests and
// the viewers all key on those names.
// What it is not: reflection. PyTorch discovers parameters by walking attributes; Swift's
// `Mirror` could do the same, but the order and the names would then depend on how the
// properties happen to be declared. Listing them explicitly makes both part of the code.
// A module holds no tape either: its `callAsFunction` takes Variables, whose tape it uses.

import Tapestry

/// An object that owns trainable parameters.
///
/// ```swift
/// final class MLP: Module {
///     let fc1, fc2: Linear
///     var parameters: [Parameter] { fc1.parameters + fc2.parameters }
/// }
/// ```
public protocol Module: AnyObject {
    /// Every trainable parameter, in a stable order, each with its full dotted name.
    var parameters: [Parameter] { get }
}

extension Module {
    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.scalarCount }

    /// The parameter with this dotted name, or nil.
    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }

    /// Sets every parameter's gradient to zero.
    public func zeroGrad() { parameters.zeroGrad() }
}

// LayerNorm: the nn.LayerNorm module, holding the gain (weight) and shift (bias) of each channel.
//
// What it is: the two [C] parameters, initialized as PyTorch does (weight 1, bias 0, so a
// fresh LayerNorm only normalizes), and a call that forwards to the fused `layerNorm` op
// (Tapestry/Ops/LayerNorm.swift), where forward, backward and their derivation live.
// What it is not: the math, or RMSNorm.

import Tapestry

/// Layer normalization over the last axis: `y = (x − μ)/√(σ² + ε) ⊙ weight + bias`.
public final class LayerNorm: Module {
    /// [C] gain, named `"\(name).weight"`, initialized to 1.
    public let weight: Parameter
    /// [C] shift, named `"\(name).bias"`, initialized to 0.
    public let bias: Parameter
    /// ε, added to the variance before the square root (PyTorch's default 1e-5).
    public let epsilon: Float

    public init(name: String, features: Int, epsilon: Float = 1e-5) {
        weight = Parameter("\(name).weight", Tensor(ones: [features]))
        bias = Parameter("\(name).bias", Tensor(zeros: [features]))
        self.epsilon = epsilon
    }

    /// weight, then bias.
    public var parameters: [Parameter] { [weight, bias] }

    /// `x [..., C] -> [..., C]`, each row normalized, then scaled and shifted.
    public func callAsFunction(_ x: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        x.layerNorm(weight: x.tape.parameter(weight), bias: x.tape.parameter(bias), epsilon: epsilon,
                    file: file, line: line)
    }
}

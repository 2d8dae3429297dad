// Linear: the nn.Linear module, y = x · Wᵀ + b, holding W [out, in] and b [out].
//
// What it is: the two parameters, their initialization, and a call that forwards to the
// `linear` op (Tapestry/Ops/Linear.swift), where forward and backward live.
// What it is not: an op. The math is in the op; this file only owns the weights.
//
// Two initializations:
// - GPT-2 / nanoGPT: W ~ N(0, 0.02²), b = 0 (`init(name:inputFeatures:outputFeatures:...)`).
// - PyTorch's nn.Linear default: W, b ~ U(−1/√in, 1/√in) (`Linear.pytorchDefault`), which
//   keeps the output variance near the input's for small MLPs such as the moons example.

import Tapestry

/// A fully connected layer: `y = x · weightᵀ + bias`, weight [out, in], bias [out].
public final class Linear: Module {
    /// [out, in], named `"\(name).weight"`.
    public let weight: Parameter
    /// [out], named `"\(name).bias"`; nil for a layer without bias (such as GPT-2's `lm_head`).
    public let bias: Parameter?

    /// Wraps existing tensors: weight [out, in], bias [out] or nil.
    public init(name: String, weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear \(name): weight must be [out, in], got \(weight.shape)")
        if let bias {
            precondition(bias.shape == [weight.shape[0]],
                         "Linear \(name): bias must be [\(weight.shape[0])], got \(bias.shape)")
        }
        self.weight = Parameter("\(name).weight", weight)
        self.bias = bias.map { Parameter("\(name).bias", $0) }
    }

    /// GPT-2 initialization: weight ~ N(0, weightStd²), bias = 0. The weight is drawn from
    /// `generator` in row-major order.
    public convenience init(name: String, inputFeatures: Int, outputFeatures: Int, bias: Bool = true,
                            weightStd: Float = 0.02, generator: inout RandomGenerator) {
        let weight = Tensor.randomNormal([outputFeatures, inputFeatures], std: weightStd, using: &generator)
        self.init(name: name, weight: weight, bias: bias ? Tensor(zeros: [outputFeatures]) : nil)
    }

    /// PyTorch's default nn.Linear initialization: weight and bias ~ U(−k, k), k = 1/√in.
    /// Draws the weight (row-major), then the bias, from `generator`.
    public static func pytorchDefault(name: String, inputFeatures: Int, outputFeatures: Int, bias: Bool = true,
                                      generator: inout RandomGenerator) -> Linear {
        let bound = 1 / Float(inputFeatures).squareRoot()
        let weight = Tensor.randomUniform([outputFeatures, inputFeatures], low: -bound, high: bound, using: &generator)
        let biasValue = bias ? Tensor.randomUniform([outputFeatures], low: -bound, high: bound, using: &generator) : nil
        return Linear(name: name, weight: weight, bias: biasValue)
    }

    /// Number of input features (`in`).
    public var inputFeatures: Int { weight.value.shape[1] }
    /// Number of output features (`out`).
    public var outputFeatures: Int { weight.value.shape[0] }

    /// weight, then bias.
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// `x [..., in] -> [..., out]` on `x`'s tape.
    public func callAsFunction(_ x: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        x.linear(weight: x.tape.parameter(weight), bias: bias.map { x.tape.parameter($0) }, file: file, line: line)
    }
}

// MultiheadAttention: PyTorch's nn.MultiheadAttention, parameters and names included.
//
//   [q | k | v] weights: in_proj_weight [3d, d] (rows q, then k, then v), in_proj_bias [3d]
//   self-attention:   q, k, v = split(x · in_projᵀ + b)                 each [B, T, d]
//   cross-attention:  q = x · W_qᵀ + b_q                                 [B, Tq, d]
//                     k, v = split(memory · W_kvᵀ + b_kv)                each [B, Tk, d]
//   y = softmax(q·kᵀ/√hs [+ causal mask]) · v  per head                  [B, Tq, d]
//   out = out_proj(y)                                                     [B, Tq, d]
//
// The attention itself is the GPT's fused op (`Variable.scaledDotProductAttention`, in
// Tapestry/Ops/Attention.swift): the same code serves GPT's causal self-attention, the encoder's
// bidirectional self-attention (`causal: false`) and the decoder's cross-attention (Tq ≠ Tk).
// Cross-attention cuts W_q and W_kv out of the one packed in_proj_weight with `sliced`, as
// PyTorch's `_in_projection_packed` does, so the parameter names and shapes stay PyTorch's and
// the slices' gradients add back into the packed gradient.
//
// What it is not: dropout on the attention weights (PyTorch's `dropout=` argument of
// nn.MultiheadAttention; the fused op has none, so training differs there, evaluation does not),
// key padding masks, or separate k/v input sizes (kdim, vdim).

import Tapestry
import TapestryNN

/// Multi-head attention with a packed q/k/v input projection, as in PyTorch.
public final class MultiheadAttention: Module {
    /// `\(name).in_proj_weight` [3d, d]: rows 0..<d project queries, d..<2d keys, 2d..<3d values.
    public let inProjectionWeight: Parameter
    /// `\(name).in_proj_bias` [3d].
    public let inProjectionBias: Parameter
    /// `\(name).out_proj` d → d.
    public let outProjection: Linear
    /// nh.
    public let heads: Int

    /// PyTorch's initialization: in_proj_weight Xavier-uniform U(±√(6/(d + 3d))), in_proj_bias 0,
    /// out_proj weight U(±1/√d) (nn.Linear's default) and bias 0.
    public init(name: String, dModel d: Int, heads: Int, generator: inout RandomGenerator) {
        precondition(heads > 0 && d % heads == 0, "MultiheadAttention \(name): d_model \(d) does not split into \(heads) heads")
        let bound = (6 / Float(d + 3 * d)).squareRoot()
        inProjectionWeight = Parameter("\(name).in_proj_weight",
                                       Tensor.randomUniform([3 * d, d], low: -bound, high: bound, using: &generator))
        inProjectionBias = Parameter("\(name).in_proj_bias", Tensor(zeros: [3 * d]))
        let outBound = 1 / Float(d).squareRoot()
        outProjection = Linear(name: "\(name).out_proj",
                               weight: Tensor.randomUniform([d, d], low: -outBound, high: outBound, using: &generator),
                               bias: Tensor(zeros: [d]))
        self.heads = heads
    }

    /// in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias (PyTorch's order).
    public var parameters: [Parameter] { [inProjectionWeight, inProjectionBias] + outProjection.parameters }

    /// Self-attention: x [B, T, d] → ([B, T, d], weights [B, nh, T, T]). With `causal`, position
    /// i sees positions 0...i (a decoder); without, every position sees all (an encoder).
    public func callAsFunction(_ x: Variable, causal: Bool) -> (Variable, Tensor) {
        let d = x.shape[x.shape.count - 1]
        let tape = x.tape
        let qkv = x.linear(weight: tape.parameter(inProjectionWeight),
                           bias: tape.parameter(inProjectionBias))                 // [B, T, 3d]
        let parts = qkv.split(axis: -1, sizes: [d, d, d])                          // q, k, v: [B, T, d]
        let (y, weights) = Variable.scaledDotProductAttention(
            query: parts[0], key: parts[1], value: parts[2], heads: heads, causal: causal)   // [B, T, d]
        return (outProjection(y), weights)                                         // [B, T, d]
    }

    /// Cross-attention: queries from x [B, Tq, d], keys and values from `memory` [B, Tk, d]
    /// (the encoder's output). Returns ([B, Tq, d], weights [B, nh, Tq, Tk]); nothing is masked.
    public func callAsFunction(query x: Variable, memory: Variable) -> (Variable, Tensor) {
        let d = x.shape[x.shape.count - 1]
        let tape = x.tape
        let weight = tape.parameter(inProjectionWeight), bias = tape.parameter(inProjectionBias)
        let query = x.linear(weight: weight.sliced(axis: 0, 0..<d),
                             bias: bias.sliced(axis: 0, 0..<d))                    // [B, Tq, d]
        let keyValue = memory.linear(weight: weight.sliced(axis: 0, d..<3 * d),
                                     bias: bias.sliced(axis: 0, d..<3 * d))        // [B, Tk, 2d]
        let parts = keyValue.split(axis: -1, sizes: [d, d])                        // k, v: [B, Tk, d]
        let (y, weights) = Variable.scaledDotProductAttention(
            query: query, key: parts[0], value: parts[1], heads: heads, causal: false)   // [B, Tq, d]
        return (outProjection(y), weights)                                         // [B, Tq, d]
    }
}

// TransformerDecoderLayer: PyTorch's nn.TransformerDecoderLayer with its defaults (post-LN,
// ReLU), the decoder half of "Attention Is All You Need":
//
//   x = norm1(x + dropout(self_attn(x, causal)))             each target position sees earlier ones
//   x = norm2(x + dropout(multihead_attn(x, memory)))        ... and every source position
//   x = norm3(x + dropout(ff(x)))
//
// `memory` [B, S, d] is the encoder's output. In cross-attention the queries come from the
// decoder and the keys and values from the memory, so the weights are [B, nh, T, S]: row i says
// where in the source target position i looked. No mask there: the whole source is known.
// The parameter names are PyTorch's (`self_attn`, `multihead_attn`, `linear1`, `norm3`, ...).
// What it is not: norm_first, GELU, padding masks, or a KV cache (greedy decoding re-runs the
// decoder on the growing prefix; for the toy lengths here that is cheap).
// Lesson: notebooks-md/08-gpt.md

import Tapestry
import TapestryNN

/// One post-LN decoder layer: masked self-attention, cross-attention to the encoder's output,
/// and a feed-forward, each followed by a residual addition and a LayerNorm.
public final class TransformerDecoderLayer: Module {
    /// `\(name).self_attn`: causal self-attention over the target prefix.
    public let selfAttention: MultiheadAttention
    /// `\(name).multihead_attn`: cross-attention to the encoder's output.
    public let crossAttention: MultiheadAttention
    /// `\(name).linear1`, `\(name).linear2`.
    public let feedForward: FeedForward
    /// `\(name).norm1`, `norm2`, `norm3`: after each residual addition.
    public let norm1: LayerNorm
    /// See `norm1`.
    public let norm2: LayerNorm
    /// See `norm1`.
    public let norm3: LayerNorm
    let dropout: Float

    /// `name` is the layer's prefix, e.g. `decoder.layers.0`.
    public init(name: String, config: TransformerLayerConfig, generator: inout RandomGenerator) {
        precondition(config.problem == nil, "TransformerDecoderLayer \(name): \(config.problem ?? "")")
        selfAttention = MultiheadAttention(name: "\(name).self_attn", dModel: config.dModel, heads: config.heads,
                                           generator: &generator)
        crossAttention = MultiheadAttention(name: "\(name).multihead_attn", dModel: config.dModel,
                                            heads: config.heads, generator: &generator)
        feedForward = FeedForward(name: name, config: config, generator: &generator)
        norm1 = LayerNorm(name: "\(name).norm1", features: config.dModel)
        norm2 = LayerNorm(name: "\(name).norm2", features: config.dModel)
        norm3 = LayerNorm(name: "\(name).norm3", features: config.dModel)
        dropout = config.dropout
    }

    /// PyTorch's state_dict order: self_attn, multihead_attn, linear1, linear2, norm1..3.
    public var parameters: [Parameter] {
        selfAttention.parameters + crossAttention.parameters + feedForward.parameters
            + norm1.parameters + norm2.parameters + norm3.parameters
    }

    /// What one decoder layer returns.
    public struct Output {
        /// [B, T, d].
        public let output: Variable
        /// Causal self-attention weights [B, nh, T, T].
        public let selfAttention: Tensor
        /// Cross-attention weights [B, nh, T, S].
        public let crossAttention: Tensor
    }

    /// x [B, T, d] (the target prefix), memory [B, S, d] (the encoded source) → [B, T, d].
    public func callAsFunction(_ x: Variable, memory: Variable, context: inout ForwardContext) -> Output {
        let (attended, selfWeights) = selfAttention(x, causal: true)                   // [B, T, d]
        var x = norm1(x + context.dropout(attended, probability: dropout))             // [B, T, d]
        let (looked, crossWeights) = crossAttention(query: x, memory: memory)          // [B, T, d]
        x = norm2(x + context.dropout(looked, probability: dropout))                   // [B, T, d]
        x = norm3(x + context.dropout(feedForward(x, context: &context), probability: dropout))
        return Output(output: x, selfAttention: selfWeights, crossAttention: crossWeights)
    }
}

/// A stack of decoder layers, PyTorch's nn.TransformerDecoder without a final norm:
/// `\(name).layers.{i}`.
public final class TransformerDecoder: Module {
    /// The layers, applied in order.
    public let layers: [TransformerDecoderLayer]

    /// `count` layers named `\(name).layers.{i}`.
    public init(name: String, layers count: Int, config: TransformerLayerConfig, generator: inout RandomGenerator) {
        layers = (0..<count).map {
            TransformerDecoderLayer(name: "\(name).layers.\($0)", config: config, generator: &generator)
        }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// x [B, T, d], memory [B, S, d] → ([B, T, d], per layer self [B, nh, T, T] and cross
    /// [B, nh, T, S] attention weights).
    public func callAsFunction(_ x: Variable, memory: Variable, context: inout ForwardContext)
        -> (output: Variable, selfAttention: [Tensor], crossAttention: [Tensor]) {
        var x = x
        var selfAttention: [Tensor] = [], crossAttention: [Tensor] = []
        for layer in layers {
            let out = layer(x, memory: memory, context: &context)
            x = out.output                                                             // [B, T, d]
            selfAttention.append(out.selfAttention)
            crossAttention.append(out.crossAttention)
        }
        return (x, selfAttention, crossAttention)
    }
}

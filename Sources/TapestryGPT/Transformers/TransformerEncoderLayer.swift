// TransformerEncoderLayer: PyTorch's nn.TransformerEncoderLayer with its defaults
// (post-LayerNorm, `norm_first=False`; ReLU; no mask):
//
//   x = norm1(x + dropout(self_attn(x)))       every position attends to every position
//   x = norm2(x + dropout(ff(x)))              ff = linear2(dropout(relu(linear1(x))))
//
// Post-LN is the original "Attention Is All You Need" arrangement: the LayerNorm comes after
// each residual addition. The GPT (Model/Block.swift) is pre-LN: it normalizes the input of
// each sub-block and leaves the residual stream untouched, which trains deep stacks more
// stably. For two layers both train; this one matches PyTorch's default so that a PyTorch
// state_dict loads by name (`self_attn.in_proj_weight`, `linear1`, `norm1`, ...).
// What it is not: norm_first, GELU, or a padding mask.
// Lesson: notebooks-md/08-gpt.md

import Tapestry
import TapestryNN

/// One post-LN encoder layer: bidirectional self-attention and a feed-forward, each followed by
/// a residual addition and a LayerNorm.
public final class TransformerEncoderLayer: Module {
    /// `\(name).self_attn`.
    public let selfAttention: MultiheadAttention
    /// `\(name).linear1`, `\(name).linear2`.
    public let feedForward: FeedForward
    /// `\(name).norm1`: after the attention's residual.
    public let norm1: LayerNorm
    /// `\(name).norm2`: after the feed-forward's residual.
    public let norm2: LayerNorm
    let dropout: Float

    /// `name` is the layer's prefix, e.g. `encoder.layers.0`. Draws attention weights, then
    /// linear1, then linear2 from `generator`.
    public init(name: String, config: TransformerLayerConfig, generator: inout RandomGenerator) {
        precondition(config.problem == nil, "TransformerEncoderLayer \(name): \(config.problem ?? "")")
        selfAttention = MultiheadAttention(name: "\(name).self_attn", dModel: config.dModel, heads: config.heads,
                                           generator: &generator)
        feedForward = FeedForward(name: name, config: config, generator: &generator)
        norm1 = LayerNorm(name: "\(name).norm1", features: config.dModel)
        norm2 = LayerNorm(name: "\(name).norm2", features: config.dModel)
        dropout = config.dropout
    }

    /// PyTorch's state_dict order: self_attn, linear1, linear2, norm1, norm2.
    public var parameters: [Parameter] {
        selfAttention.parameters + feedForward.parameters + norm1.parameters + norm2.parameters
    }

    /// x [B, T, d] → ([B, T, d], self-attention weights [B, nh, T, T]).
    public func callAsFunction(_ x: Variable, context: inout ForwardContext) -> (Variable, Tensor) {
        let (attended, weights) = selfAttention(x, causal: false)                      // [B, T, d]
        let x = norm1(x + context.dropout(attended, probability: dropout))             // [B, T, d]
        let y = norm2(x + context.dropout(feedForward(x, context: &context), probability: dropout))
        return (y, weights)                                                            // [B, T, d]
    }
}

/// A stack of encoder layers, PyTorch's nn.TransformerEncoder without a final norm:
/// `\(name).layers.{i}`.
public final class TransformerEncoder: Module {
    /// The layers, applied in order.
    public let layers: [TransformerEncoderLayer]

    /// `count` layers named `\(name).layers.{i}`.
    public init(name: String, layers count: Int, config: TransformerLayerConfig, generator: inout RandomGenerator) {
        layers = (0..<count).map {
            TransformerEncoderLayer(name: "\(name).layers.\($0)", config: config, generator: &generator)
        }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// x [B, S, d] → ([B, S, d], each layer's self-attention weights [B, nh, S, S]).
    public func callAsFunction(_ x: Variable, context: inout ForwardContext) -> (Variable, [Tensor]) {
        var x = x
        var attention: [Tensor] = []
        for layer in layers {
            let (next, weights) = layer(x, context: &context)
            x = next                                                                   // [B, S, d]
            attention.append(weights)
        }
        return (x, attention)
    }
}

// Block: one pre-LayerNorm transformer block, nanoGPT's `Block`.
//
//   x = x + attn(ln_1(x))      communication: tokens look at earlier tokens
//   x = x + mlp(ln_2(x))       computation: each token on its own
//
// The residual additions give the gradient a direct path from the loss to every layer.
// With `moe_experts > 0` the MLP is a mixture of experts (MixtureOfExperts.swift), still
// named `mlp` in the parameter names, and the block also reports its routing.
// Lesson: notebooks-md/07-feed-forward-layernorm.md, notebooks-md/08-gpt.md

import Tapestry
import TapestryNN

/// A transformer block: LayerNorm → attention → residual, LayerNorm → MLP → residual.
public final class Block: Module {
    public let ln1: LayerNorm
    public let attn: CausalSelfAttention
    public let ln2: LayerNorm
    /// The dense feed-forward; nil when the block uses experts.
    public let mlp: MLP?
    /// The mixture-of-experts feed-forward; nil for a dense block.
    public let experts: MixtureOfExperts?

    /// `name` is the block's prefix, e.g. `transformer.h.0`.
    public init(name: String, config: GPTConfig, generator: inout RandomGenerator) {
        ln1 = LayerNorm(name: "\(name).ln_1", features: config.nEmbd)
        attn = CausalSelfAttention(name: "\(name).attn", config: config, generator: &generator)
        ln2 = LayerNorm(name: "\(name).ln_2", features: config.nEmbd)
        if config.usesExperts {
            mlp = nil
            experts = MixtureOfExperts(name: "\(name).mlp", config: config, generator: &generator)
        } else {
            mlp = MLP(name: "\(name).mlp", config: config, generator: &generator)
            experts = nil
        }
    }

    public var parameters: [Parameter] {
        ln1.parameters + attn.parameters + ln2.parameters + (mlp?.parameters ?? experts!.parameters)
    }

    /// What a block returns besides its output.
    public struct Output {
        /// [B, T, C].
        public let output: Variable
        /// This block's attention weights [B, nh, T, Tk].
        public let attention: Tensor
        /// The experts' routing and load-balancing loss; nil for a dense block.
        public let routing: MixtureOfExperts.Routed?
    }

    /// x [B, T, C] → [B, T, C], with the attention weights (and routing).
    /// `positions` carries RoPE's rotation table or ALiBi's slopes (see GPT+Positions.swift).
    public func callAsFunction(_ x: Variable, cache: KVCache.Layer? = nil, positions: AttentionPositions = .none,
                               context: inout ForwardContext) -> Output {
        let (attended, weights) = attn(ln1(x), cache: cache, positions: positions, context: &context)
        let x = x + attended                                           // [B, T, C]
        if let mlp {
            return Output(output: x + mlp(ln2(x), context: &context), attention: weights, routing: nil)  // [B, T, C]
        }
        let routed = experts!(ln2(x), context: &context)
        return Output(output: x + routed.output, attention: weights, routing: routed)          // [B, T, C]
    }
}

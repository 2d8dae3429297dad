// Block: one pre-LayerNorm transformer block, nanoGPT's `Block`.
//
//   x = x + attn(ln_1(x))      communication: tokens look at earlier tokens
//   x = x + mlp(ln_2(x))       computation: each token on its own
//
// The residual additions give the gradient a direct path from the loss to every layer.
// Lesson: notebooks-md/07-feed-forward-layernorm.md, notebooks-md/08-gpt.md

import Tapestry
import TapestryNN

/// A transformer block: LayerNorm → attention → residual, LayerNorm → MLP → residual.
public final class Block: Module {
    public let ln1: LayerNorm
    public let attn: CausalSelfAttention
    public let ln2: LayerNorm
    public let mlp: MLP

    /// `name` is the block's prefix, e.g. `transformer.h.0`.
    public init(name: String, config: GPTConfig, generator: inout RandomGenerator) {
        ln1 = LayerNorm(name: "\(name).ln_1", features: config.nEmbd)
        attn = CausalSelfAttention(name: "\(name).attn", config: config, generator: &generator)
        ln2 = LayerNorm(name: "\(name).ln_2", features: config.nEmbd)
        mlp = MLP(name: "\(name).mlp", config: config, generator: &generator)
    }

    public var parameters: [Parameter] {
        ln1.parameters + attn.parameters + ln2.parameters + mlp.parameters
    }

    /// x [B, T, C] → ([B, T, C], this block's attention weights [B, nh, T, Tk]).
    public func callAsFunction(_ x: Variable, cache: KVCache.Layer? = nil,
                               context: inout ForwardContext) -> (Variable, Tensor) {
        let (attended, weights) = attn(ln1(x), cache: cache, context: &context)
        let x = x + attended                                           // [B, T, C]
        return (x + mlp(ln2(x), context: &context), weights)            // [B, T, C]
    }
}

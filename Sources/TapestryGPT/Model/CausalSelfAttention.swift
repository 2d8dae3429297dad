// CausalSelfAttention: nanoGPT's attention block.
//
//   qkv = c_attn(x)                          [B, T, 3C]   (q rows, then k, then v)
//   q, k, v = split(qkv)                      [B, T, C] each; head h owns channels h·hs..<(h+1)·hs
//   y = softmax(q·kᵀ/√hs + causal mask)·v    per head, heads concatenated back to [B, T, C]
//   out = c_proj(y)                           [B, T, C]
//
// Without a KV cache or RoPE, the split is not made at all: the attention op reads q, k and v
// in place from qkv (`scaledDotProductAttention(packedQKV:)`), the same numbers without three
// copies forward and three backward.
//
// The softmax weights [B, nh, T, T] are returned too: the trainer dumps them for the
// attention viewer. With a KV cache, k and v of earlier positions are reused and only the new
// tokens' q, k, v are computed (see KVCache.swift).
//
// Positions (GPTConfig.positionalEncoding): with RoPE, q and k are rotated before attention
// (keys enter the cache already rotated); with ALiBi, the fused attention adds the per-head
// distance bias to the scores. Learned and sinusoidal positions were added at the input.
// Lesson: notebooks-md/06-causal-multi-head.md, notebooks-md/11-kv-cache.md

import Tapestry
import TapestryNN

/// Multi-head causal self-attention with a fused q/k/v projection.
public final class CausalSelfAttention: Module {
    /// C → 3C, rows q then k then v. Weight [3C, C].
    public let cAttn: Linear
    /// C → C output projection. Weight [C, C].
    public let cProj: Linear
    let heads: Int
    let dropout: Float

    public init(name: String, config: GPTConfig, generator: inout RandomGenerator) {
        let c = config.nEmbd
        cAttn = Linear(name: "\(name).c_attn", inputFeatures: c, outputFeatures: 3 * c, generator: &generator)
        cProj = Linear(name: "\(name).c_proj", inputFeatures: c, outputFeatures: c,
                       weightStd: 0.02 / Float(2 * config.nLayer).squareRoot(), generator: &generator)
        heads = config.nHead
        dropout = config.dropout
    }

    public var parameters: [Parameter] { cAttn.parameters + cProj.parameters }

    /// x [B, T, C] → ([B, T, C], attention weights [B, nh, T, Tk]).
    /// With `cache`, keys/values of earlier positions are prepended (Tk = cached + T).
    public func callAsFunction(_ x: Variable, cache: KVCache.Layer? = nil, positions: AttentionPositions = .none,
                               context: inout ForwardContext) -> (Variable, Tensor) {
        let qkv = cAttn(x)                                             // [B, T, 3C]
        let (y, weights) = attend(qkv, cache: cache, positions: positions)   // [B, T, C]
        let out = cProj(y)                                             // [B, T, C]
        return (context.dropout(out, probability: dropout), weights)
    }

    /// Multi-head causal attention of qkv [B, T, 3C] → y [B, T, C] and the weights.
    func attend(_ qkv: Variable, cache: KVCache.Layer?, positions: AttentionPositions) -> (Variable, Tensor) {
        if cache == nil && positions.rotary == nil {                   // q, k, v read in place from qkv
            return Variable.scaledDotProductAttention(packedQKV: qkv, heads: heads, causal: true,
                                                      alibiSlopes: positions.alibiSlopes)
        }
        let c = qkv.shape[qkv.rank - 1] / 3
        let parts = qkv.split(axis: -1, sizes: [c, c, c])              // q, k, v: [B, T, C]
        var query = parts[0], key = parts[1], value = parts[2]
        if let rotary = positions.rotary {                             // RoPE: rotate q and k per head
            query = query.rotated(by: rotary, heads: heads)            // [B, T, C]
            key = key.rotated(by: rotary, heads: heads)
        }
        if let cache {
            key = cache.append(keys: key)                              // [B, Tk, C]
            value = cache.append(values: value)
        }
        return Variable.scaledDotProductAttention(query: query, key: key, value: value, heads: heads, causal: true,
                                                  alibiSlopes: positions.alibiSlopes)
    }
}

extension Variable {
    /// Number of dimensions.
    var rank: Int { shape.count }
}

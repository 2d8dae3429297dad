// KVCache: keys and values of earlier positions, so generation computes only the new token.
//
// Without a cache, producing token n re-runs the model on all n tokens: O(n²) work for a
// sequence. With it, each step computes q, k, v for the new token only and attends to the
// stored keys and values: O(n) per step. Only for inference (no gradients flow through it).
//
// The cache holds at most block_size positions. When the window slides, every token's
// position changes (learned and sinusoidal embeddings are added at the input, RoPE keys are
// stored already rotated at their positions), so the cache must be rebuilt; `TextGenerator`
// does that for every scheme, which keeps cached and uncached generation identical. (ALiBi
// depends only on distances and could keep its cache; one rule for all is simpler.)
// Lesson: notebooks-md/11-kv-cache.md

import Tapestry

/// Per-layer stored keys and values for incremental decoding.
public final class KVCache {
    /// One layer's keys and values, each [B, Tcached, C].
    public final class Layer {
        public private(set) var keys: Tensor?
        public private(set) var values: Tensor?

        /// Appends new keys [B, T, C] and returns all keys so far [B, Tcached + T, C].
        func append(keys new: Variable) -> Variable {
            keys = keys.map { KVCache.concatenateTime($0, new.value) } ?? new.value
            return new.tape.constant(keys!)
        }

        /// Appends new values [B, T, C] and returns all values so far.
        func append(values new: Variable) -> Variable {
            values = values.map { KVCache.concatenateTime($0, new.value) } ?? new.value
            return new.tape.constant(values!)
        }
    }

    /// One entry per block.
    public let layers: [Layer]
    /// Number of positions stored.
    public internal(set) var length = 0

    public init(layers: Int) {
        self.layers = (0..<layers).map { _ in Layer() }
    }

    /// [B, T1, C] ++ [B, T2, C] → [B, T1 + T2, C] along the time axis.
    static func concatenateTime(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (batch, t1, c) = (a.shape[0], a.shape[1], a.shape[2])
        let t2 = b.shape[1]
        var out = Tensor(uninitializedShape: [batch, t1 + t2, c])
        out.withUnsafeMutableBufferPointer { o in
            for n in 0..<batch {
                let row = o.baseAddress! + n * (t1 + t2) * c
                row.update(from: a.pointer + n * t1 * c, count: t1 * c)
                (row + t1 * c).update(from: b.pointer + n * t2 * c, count: t2 * c)
            }
        }
        return out
    }
}

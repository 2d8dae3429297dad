// TextGenerator: autoregressive generation with or without a KV cache.
//
// Each step feeds the context (at most block_size tokens) to the model, takes the logits of
// the last position, and chooses the next token (SamplingFilters.swift).
//   without cache: the whole window is recomputed every step: O(n²) total work;
//   with cache:    only the new token is computed, attending to stored keys/values: O(n).
// When the window is full and slides, positions restart at the window's first token (for
// every positional scheme), so the cache is rebuilt from the window; both paths therefore
// compute the same logits and pick the same tokens.
// Lesson: notebooks-md/08-gpt.md, notebooks-md/10-sampling.md, notebooks-md/11-kv-cache.md, notebooks-md/12-quantization-context.md

import Tapestry

/// Generates tokens from a GPT.
public struct TextGenerator {
    public let model: GPT
    public var options: SamplingOptions
    public var useCache: Bool

    public init(model: GPT, options: SamplingOptions = SamplingOptions(), useCache: Bool = true) {
        self.model = model
        self.options = options
        self.useCache = useCache
    }

    /// Appends `count` tokens to `prompt` (which must not be empty) and returns only the new
    /// ones. `onStep` sees the logits and the chosen token of each step (for explorers).
    public func generate(prompt: [Int], count: Int, seed: UInt64,
                         onStep: (_ logits: [Float], _ token: Int) -> Void = { _, _ in }) -> [Int] {
        precondition(!prompt.isEmpty, "TextGenerator: the prompt must hold at least one token")
        var generator = RandomGenerator(seed: seed)
        let blockSize = model.config.blockSize
        let tape = Tape()
        var tokens = prompt
        var cache: KVCache? = nil
        var generated: [Int] = []
        for _ in 0..<count {
            let window = Array(tokens.suffix(blockSize))
            let feed: [Int]
            if useCache, let existing = cache, existing.length < blockSize, existing.length == window.count - 1 {
                feed = [window.last!]                       // incremental step: only the newest token
            } else {
                cache = useCache ? KVCache(layers: model.config.nLayer) : nil
                feed = window                                // first step, or the window slid
            }
            var context = ForwardContext.evaluation
            let logits = tape.withoutGrad {
                model(feed, batch: 1, time: feed.count, tape: tape, context: &context, cache: cache).logits.value
            }                                                // [1, T, V]
            let vocabulary = logits.shape[2]
            let last = Array(UnsafeBufferPointer(start: logits.pointer + (feed.count - 1) * vocabulary,
                                                 count: vocabulary))
            tape.reset()
            let next = Sampling.choose(logits: last, options: options, generator: &generator)
            onStep(last, next)
            tokens.append(next)
            generated.append(next)
        }
        return generated
    }
}

// Lesson 11: the KV cache and the O(n²) cost of attention (notebooks-md/11-kv-cache.md).

import ExerciseSolutions
import Tapestry
import TapestryGPT
import Testing

@Suite struct Lesson11KVCacheTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "11")
    }

    @Test func countingTheWork() {
        // lesson: 11-count begin
        let (c, layers) = (128, 4)                                   // the default model's C and L
        func attentionMultiplies(tokens t: Int) -> Int { layers * 2 * t * t * c }      // Q·Kᵀ and W·V
        func projectionMultiplies(tokens t: Int) -> Int { layers * 12 * c * c * t }    // c_attn, c_proj, MLP
        let lengths = [64, 256, 1024, 4096]
        let attention = lengths.map { attentionMultiplies(tokens: $0) }
        let projections = lengths.map { projectionMultiplies(tokens: $0) }
        // lesson: 11-count end
        LessonBook.pin("11-attention-share", zip(attention, projections).map { Double($0) / Double($0 + $1) * 100 })

        // lesson: 11-generation-cost begin
        let n = 256                                                    // tokens to generate
        let withoutCache = (1...n).reduce(0) { $0 + attentionMultiplies(tokens: $1) + projectionMultiplies(tokens: $1) }
        let withCache = (1...n).reduce(0) { $0 + layers * 2 * $1 * c + projectionMultiplies(tokens: 1) }
        // lesson: 11-generation-cost end
        LessonBook.pin("11-without-cache", Double(withoutCache) / 1e9)
        LessonBook.pin("11-with-cache", Double(withCache) / 1e9)
        LessonBook.pin("11-ratio", Double(withoutCache) / Double(withCache))
    }

    @Test func theCacheGivesTheSameLogits() {
        // lesson: 11-incremental begin
        let model = GPT(config: GPTConfig(blockSize: 16, vocabSize: 20, nLayer: 2, nHead: 2, nEmbd: 16), seed: 11)
        let tokens = [3, 1, 4, 1, 5, 9, 2, 6]
        let tape = Tape()
        var context = ForwardContext.evaluation
        // All 8 positions at once: the logits of the last one.
        let full = tape.withoutGrad { model(tokens, batch: 1, time: 8, tape: tape, context: &context).logits.value }
        // One token at a time, keeping each layer's keys and values.
        let cache = KVCache(layers: 2)
        var last = Tensor(zeros: [1, 1, 20])
        for token in tokens {
            last = tape.withoutGrad {
                model([token], batch: 1, time: 1, tape: tape, context: &context, cache: cache).logits.value
            }
        }
        let cachedKeys = cache.layers[0].keys!.shape                   // [B, T, C]
        // lesson: 11-incremental end
        var gap: Float = 0
        for v in 0..<20 { gap = max(gap, abs(full[0, 7, v] - last[0, 0, v])) }
        #expect(gap < 1e-5)
        LessonBook.pin("11-cached-shape", text: "\(cachedKeys)")
        LessonBook.pin("11-cache-length", cache.length)
    }

    @Test func generationWithAndWithoutTheCacheAgrees() {
        // lesson: 11-generate begin
        let model = GPT(config: GPTConfig(blockSize: 16, vocabSize: 20, nLayer: 2, nHead: 2, nEmbd: 16), seed: 111)
        let options = SamplingOptions(temperature: 1, topK: nil, topP: 1)
        let cached = TextGenerator(model: model, options: options, useCache: true)
            .generate(prompt: [1, 2, 3], count: 30, seed: 5)
        let recomputed = TextGenerator(model: model, options: options, useCache: false)
            .generate(prompt: [1, 2, 3], count: 30, seed: 5)
        // lesson: 11-generate end
        #expect(cached == recomputed)
        LessonBook.pin("11-same-tokens", text: "\(cached == recomputed)")
    }

    @Test func cacheMemory() throws {
        // lesson: 11-memory begin
        func cacheBytes(layers: Int, tokens: Int, channels: Int) -> Int {
            2 * layers * tokens * channels * MemoryLayout<Float>.size     // keys and values, every layer
        }
        let small = cacheBytes(layers: 4, tokens: 64, channels: 128)      // our default model, full window
        let gpt2 = cacheBytes(layers: 12, tokens: 1024, channels: 768)    // GPT-2 small, full window
        // lesson: 11-memory end
        LessonBook.pin("11-small-bytes", small)
        LessonBook.pin("11-gpt2-megabytes", Double(gpt2) / 1_048_576)

        // The reference answer of exercise 11.1 appends exactly as the cache does.
        let a = Tensor(shape: [2, 2, 3], scalars: (0..<12).map(Float.init))
        let b = Tensor(shape: [2, 1, 3], scalars: (100..<106).map(Float.init))
        let joined = try ExerciseSolutions.appendToCache(a, b)
        #expect(joined.scalars == [0, 1, 2, 3, 4, 5, 100, 101, 102, 6, 7, 8, 9, 10, 11, 103, 104, 105])
    }
}

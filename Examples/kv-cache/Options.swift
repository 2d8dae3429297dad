// Options: the command line of kv-cache, one flag per field (the table is the --help text).

import TapestryGPT

/// What kv-cache was asked to do.
struct CacheOptions {
    var checkpoint = "out/model.safetensors"
    /// Text the prompts are cut from (repeated until it is long enough).
    var text = """
        First Citizen:
        Before we proceed any further, hear me speak.

        All:
        Speak, speak.

        First Citizen:
        You are all resolved rather to die than to famish?

        """
    var repeats = 5
    var temperature: Float = 0.8
    var topK = 200
    var seed: UInt64 = 1

    static var flags: [Flag<CacheOptions>] {
        [
            .string("checkpoint", \.checkpoint, "model checkpoint to generate with"),
            .string("text", \.text, "text the prompts are cut from (default: the corpus's first lines)"),
            .int("repeats", \.repeats, "runs per measurement (the median is shown)"),
            .float("temperature", \.temperature, "sampling temperature (0 = greedy)"),
            .int("top-k", \.topK, "keep the k most likely tokens (0 = all)", minimum: 0),
            .uint64("seed", \.seed, "random seed of the draws (the same for both paths)"),
        ]
    }

    static var help: String {
        usage(program: "swift run kv-cache",
              summary: """
              Generates with and without the KV cache for sequence lengths n = 8, 16, 32, ... block_size
              (a prompt of n/2 tokens, then n/2 new ones), checks that both give the same tokens, and
              prints the work and the time of each: O(n²) without the cache, O(n) with it.
              """,
              flags: flags, defaults: CacheOptions())
    }

    /// The options `TextGenerator` takes.
    var sampling: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK == 0 ? nil : topK, topP: 1)
    }
}

// Options: the command line of sampling-explorer, one flag per field (the table is the --help text).

import TapestryGPT

/// What sampling-explorer was asked to do.
struct ExplorerOptions {
    var checkpoint = "out/model.safetensors"
    var prompt = "ROMEO:"
    var tokens = 8
    var temperature: Float = 0.8
    var topK = 5
    var topP: Float = 0.9
    var candidates = 10
    var seed: UInt64 = 1

    static var flags: [Flag<ExplorerOptions>] {
        [
            .string("checkpoint", \.checkpoint, "model checkpoint to sample from"),
            .string("prompt", \.prompt, "text to continue"),
            .int("tokens", \.tokens, "tokens to generate"),
            .float("temperature", \.temperature, "0 = greedy; higher = flatter"),
            .int("top-k", \.topK, "keep the k most likely tokens (0 = all)", minimum: 0),
            .float("top-p", \.topP, "nucleus mass in (0, 1] (1 = off)", expectation: "a number in (0, 1]",
                   valid: { $0 > 0 && $0 <= 1 }),
            .int("candidates", \.candidates, "rows shown per step"),
            .uint64("seed", \.seed, "random seed of the draws"),
        ]
    }

    static var help: String {
        usage(program: "swift run sampling-explorer",
              summary: """
              Generates a few tokens and shows, for each, the top candidates' probabilities raw, after
              temperature, after top-k and after top-p, with the chosen token marked. Then shows that
              temperature 0 is greedy decoding.
              """,
              flags: flags, defaults: ExplorerOptions())
    }

    /// The options `TextGenerator` and `Sampling.choose` take.
    var sampling: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK == 0 ? nil : topK, topP: topP)
    }
}

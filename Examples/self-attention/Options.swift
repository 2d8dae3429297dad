// The command line of the self-attention example, declared with the `Flags` table that
// `train` and `sample` use: `--seed N`, `--causal`, `--help`. A mistake is a one-line
// `UsageError` (main prints it and exits with status 2).

import TapestryGPT

/// What the program was asked to do.
struct SelfAttentionOptions {
    /// Seed of the random generator that draws x, Wq, Wk, Wv and the √d_k experiment.
    var seed: UInt64 = 1337
    /// Mask the future (key j > query i) before the softmax, as a GPT does.
    var causal = false

    static var flags: [Flag<SelfAttentionOptions>] {
        [
            .uint64("seed", \.seed, "random seed for x, the weights and the √d_k experiment"),
            .switch("causal", \.causal, "mask future positions before the softmax, as the GPT does"),
        ]
    }

    static var usage: String {
        TapestryGPT.usage(
            program: "self-attention",
            summary: """
                One attention head computed op by op on a tape, for x [1, 4, 8] and weights drawn from a
                seeded normal distribution: prints Q, K, the scores, the softmax weights (checking that
                every row sums to 1) and the output. Then shows why the scores are divided by √d_k.
                """,
            flags: flags, defaults: SelfAttentionOptions())
    }

    /// The options in `arguments` (without the program name), or nil when `--help` was asked for.
    static func parse(_ arguments: [String]) throws -> SelfAttentionOptions? {
        var options = SelfAttentionOptions()
        return try parseFlags(arguments, flags: flags, into: &options)
    }
}

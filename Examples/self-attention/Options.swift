// The command line of the self-attention example: `--seed N`, `--causal`, `--help`.
// A mistake is a one-line `UsageError` (main prints it and exits with status 2).

/// A command-line mistake, e.g. `--seed expects a non-negative integer, got 'abc'`.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What the program was asked to do.
struct SelfAttentionOptions: Equatable {
    /// Seed of the random generator that draws x, Wq, Wk, Wv and the √d_k experiment.
    var seed: UInt64 = 1337
    /// Mask the future (key j > query i) before the softmax, as a GPT does.
    var causal = false

    static let usage = """
        usage: self-attention [--seed N] [--causal]

        One attention head computed op by op on a tape, for x [1, 4, 8] and weights drawn from a
        seeded normal distribution: prints Q, K, the scores, the softmax weights (checking that
        every row sums to 1) and the output. Then shows why the scores are divided by √d_k.

          --seed N    random seed (default 1337)
          --causal    mask future positions before the softmax, as the GPT does
          --help      show this text
        """

    /// The options in `arguments` (without the program name), or nil when `--help` was asked for.
    static func parse(_ arguments: [String]) throws(UsageError) -> SelfAttentionOptions? {
        var options = SelfAttentionOptions()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            // Accept both `--seed 7` and `--seed=7`.
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts.first ?? argument
            let inlineValue = parts.count == 2 ? parts[1] : nil
            func value() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = remaining.popFirst() else { throw UsageError("option \(name) needs a value") }
                return next
            }
            switch name {
            case "--help", "-h":
                return nil
            case "--seed":
                let text = try value()
                guard let seed = UInt64(text) else { throw UsageError("--seed expects a non-negative integer, got '\(text)'") }
                options.seed = seed
            case "--causal":
                guard inlineValue == nil else { throw UsageError("option --causal takes no value") }
                options.causal = true
            default:
                throw UsageError("unknown argument '\(argument)'; see 'self-attention --help'")
            }
        }
        return options
    }
}

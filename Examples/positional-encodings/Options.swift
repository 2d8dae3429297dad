// The command line of positional-encodings. A mistake is a one-line `UsageError` (exit status 2).

/// A command-line mistake, e.g. `--dimensions must be even, got 7`.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What to compute and where to write the pictures.
struct PositionalOptions: Equatable {
    /// Number of positions (the GPT's block_size).
    var positions = 64
    /// Width of the sinusoidal table (the GPT's n_embd); even, since dimensions come in sin/cos pairs.
    var dimensions = 128
    /// Seed of the random q and k of the RoPE check.
    var seed: UInt64 = 1337
    /// Where the SVG files go (created if missing).
    var outputDirectory = "out"

    static let usage = """
        usage: positional-encodings [--positions N] [--dimensions D] [--seed N] [--out DIR]

        Three ways to tell a transformer where each token is:
          sinusoidal  prints part of the table and the similarity between positions, and writes
                      DIR/sinusoidal.svg, DIR/sinusoidal-similarity.svg, DIR/similarity-by-offset.svg
          RoPE        checks numerically that q·k after rotation depends only on the offset
          ALiBi       prints the bias matrix of each of 4 heads

          --positions N    positions, 2...4096 (default 64, the GPT's block_size)
          --dimensions D   width of the sinusoidal table, even, 2...4096 (default 128, the GPT's n_embd)
          --seed N         seed of the random q and k of the RoPE check (default 1337)
          --out DIR        output directory (default out)
          --help           show this text
        """

    /// The options in `arguments` (without the program name), or nil when `--help` was asked for.
    static func parse(_ arguments: [String]) throws(UsageError) -> PositionalOptions? {
        var options = PositionalOptions()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            // Accept both `--positions 32` and `--positions=32`.
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts.first ?? argument
            let inlineValue = parts.count == 2 ? parts[1] : nil
            func value() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = remaining.popFirst() else { throw UsageError("option \(name) needs a value") }
                return next
            }
            func integer(in range: ClosedRange<Int>) throws(UsageError) -> Int {
                let text = try value()
                guard let n = Int(text), range.contains(n) else {
                    throw UsageError("\(name) expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
                }
                return n
            }
            switch name {
            case "--help", "-h": return nil
            case "--positions": options.positions = try integer(in: 2...4096)
            case "--dimensions":
                options.dimensions = try integer(in: 2...4096)
                guard options.dimensions % 2 == 0 else { throw UsageError("--dimensions must be even (sin/cos pairs), got \(options.dimensions)") }
            case "--seed":
                let text = try value()
                guard let seed = UInt64(text) else { throw UsageError("--seed expects a non-negative integer, got '\(text)'") }
                options.seed = seed
            case "--out":
                options.outputDirectory = try value()
                guard !options.outputDirectory.isEmpty else { throw UsageError("--out needs a directory") }
            default:
                throw UsageError("unknown argument '\(argument)'; see 'positional-encodings --help'")
            }
        }
        return options
    }
}

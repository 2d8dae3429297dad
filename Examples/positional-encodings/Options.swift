// The command line of positional-encodings, declared with the `Flags` table that `train` and
// `sample` use. A mistake is a one-line `UsageError` (exit status 2).

import TapestryGPT

/// What to compute and where to write the pictures.
struct PositionalOptions {
    /// Number of positions (the GPT's block_size).
    var positions = 64
    /// Width of the sinusoidal table (the GPT's n_embd); even, since dimensions come in sin/cos pairs.
    var dimensions = 128
    /// Seed of the random q and k of the RoPE check.
    var seed: UInt64 = 1337
    /// Where the SVG files go (created if missing).
    var outputDirectory = "out"

    /// Largest side this example draws: a 512 x 512 map is already a 262,144-cell SVG.
    static let largest = 512

    static var flags: [Flag<PositionalOptions>] {
        [
            .int("positions", \.positions, "positions, 2...\(largest) (the GPT's block_size)", minimum: 2),
            .int("dimensions", \.dimensions, "width of the sinusoidal table, even, 2...\(largest) (the GPT's n_embd)", minimum: 2),
            .uint64("seed", \.seed, "seed of the random q and k of the RoPE check"),
            .string("out", \.outputDirectory, "output directory for the SVG files"),
        ]
    }

    static var usage: String {
        TapestryGPT.usage(
            program: "positional-encodings",
            summary: """
                Three ways to tell a transformer where each token is:
                  sinusoidal  prints part of the table and the similarity between positions, and writes
                              OUT/sinusoidal.svg, OUT/sinusoidal-similarity.svg, OUT/similarity-by-offset.svg
                  RoPE        checks numerically that q·k after rotation depends only on the offset
                  ALiBi       prints the bias matrix of each of 4 heads
                """,
            flags: flags, defaults: PositionalOptions())
    }

    /// The options in `arguments` (without the program name), or nil when `--help` was asked for.
    static func parse(_ arguments: [String]) throws -> PositionalOptions? {
        var options = PositionalOptions()
        guard let parsed = try parseFlags(arguments, flags: flags, into: &options) else { return nil }
        guard parsed.positions <= largest else { throw UsageError("--positions: must be at most \(largest), got \(parsed.positions)") }
        guard parsed.dimensions <= largest else { throw UsageError("--dimensions: must be at most \(largest), got \(parsed.dimensions)") }
        guard parsed.dimensions % 2 == 0 else {
            throw UsageError("--dimensions: must be even (sin/cos pairs), got \(parsed.dimensions)")
        }
        return parsed
    }
}

// The command line of embeddings, declared with the `Flags` table that `train` and `sample` use.
// A mistake is a one-line `UsageError` (exit status 2).

import TapestryGPT

/// Which checkpoint to read, what to print and where to write the pictures.
struct EmbeddingOptions {
    /// The checkpoint whose token embeddings (`transformer.wte.weight`) are shown.
    var checkpoint = "out/model.safetensors"
    /// Each character of this text gets a line of nearest neighbours (the lesson's six).
    var characters = "aoe,.T"
    /// Neighbours shown per character.
    var neighbours = 4
    /// The pictures show tokens 0 ..< limit (all of a character vocabulary; the first bytes of a BPE one).
    var limit = 128
    /// Where the SVG files go (created if missing).
    var outputDirectory = "out"

    /// Largest --limit: a 512 x 512 heat map is already a 262,144-cell SVG.
    static let largestLimit = 512

    static var flags: [Flag<EmbeddingOptions>] {
        [
            .string("checkpoint", \.checkpoint, "model checkpoint written by `swift run train`"),
            .string("characters", \.characters, "characters whose nearest neighbours are printed, one per character"),
            .int("neighbours", \.neighbours, "neighbours shown per character"),
            .int("limit", \.limit, "the pictures show tokens 0..<limit, 2...\(largestLimit)", minimum: 2),
            .string("out", \.outputDirectory, "output directory for the SVG files"),
        ]
    }

    static var usage: String {
        TapestryGPT.usage(
            program: "embeddings",
            summary: """
                Shows a checkpoint's token embeddings (the rows of wte [V, C]): their shape, how similar
                every pair is (cosine), each chosen character's nearest neighbours, and writes
                  OUT/embeddings-cosine.svg   cos(E[i], E[j]) for every pair of tokens, a heat map
                  OUT/embeddings-pca.svg      every token at its coordinates on the top two principal components
                A checkpoint of iteration 0 (`swift run train --max-iters 0 --out out/untrained`) shows
                the random embeddings training starts from.
                """,
            flags: flags, defaults: EmbeddingOptions())
    }

    /// The options in `arguments` (without the program name), or nil when `--help` was asked for.
    static func parse(_ arguments: [String]) throws -> EmbeddingOptions? {
        var options = EmbeddingOptions()
        guard let parsed = try parseFlags(arguments, flags: flags, into: &options) else { return nil }
        guard parsed.limit <= largestLimit else { throw UsageError("--limit: must be at most \(largestLimit), got \(parsed.limit)") }
        return parsed
    }
}

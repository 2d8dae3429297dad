// Options: the command line of quantize, one flag per field (the table is the --help text).

import TapestryGPT

/// What quantize was asked to do.
struct QuantizeOptions {
    var checkpoint = "out/model.safetensors"
    /// Where the int8 file goes; empty means `model-int8.safetensors` beside the checkpoint.
    var out = ""
    var corpus = "datasets/shakespeare.txt"
    var batches = 10
    var batchSize = 12
    var seed: UInt64 = 1

    static var flags: [Flag<QuantizeOptions>] {
        [
            .string("checkpoint", \.checkpoint, "model checkpoint to quantize"),
            .string("out", \.out, "output file (default: model-int8.safetensors beside the checkpoint)"),
            .string("corpus", \.corpus, "the text the checkpoint was trained on (its last 10% is the val split)"),
            .int("batches", \.batches, "val batches for the loss before and after"),
            .int("batch-size", \.batchSize, "sequences per val batch"),
            .uint64("seed", \.seed, "seed that picks the val batches"),
        ]
    }

    static var help: String {
        usage(program: "swift run quantize",
              summary: """
              Quantizes a checkpoint's Linear and embedding weights to int8, one scale per row, writes
              model-int8.safetensors, and compares file size, weights and val loss with the original.
              """,
              flags: flags, defaults: QuantizeOptions())
    }

    /// The output path: `--out`, or `model-int8.safetensors` in the checkpoint's directory.
    var outputPath: String {
        if !out.isEmpty { return out }
        guard let slash = checkpoint.lastIndex(of: "/") else { return "model-int8.safetensors" }
        return String(checkpoint[...slash]) + "model-int8.safetensors"
    }
}

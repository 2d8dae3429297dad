// TrainFlags: the command line of `swift run train`, one flag per TrainConfig field.

extension TrainConfig {
    /// Every flag of `train`, bound to the field it sets.
    public static var flags: [Flag<TrainConfig>] {
        [
            .int("max-iters", \.maxIters, "optimizer steps", minimum: 0),
            .int("block-size", \.model.blockSize, "context length T"),
            .int("batch-size", \.batchSize, "sequences per micro-batch B"),
            .int("n-layer", \.model.nLayer, "transformer blocks"),
            .int("n-head", \.model.nHead, "attention heads per block"),
            .int("n-embd", \.model.nEmbd, "embedding width C"),
            .float("lr", \.learningRate, "peak learning rate", expectation: "a positive number", valid: { $0 > 0 }),
            .float("min-lr", \.minLearningRate, "final learning rate"),
            .int("warmup-iters", \.warmupIters, "linear warmup steps", minimum: 0),
            .int("lr-decay-iters", \.lrDecayIters, "step where cosine decay reaches min-lr"),
            .float("weight-decay", \.weightDecay, "AdamW weight decay on 2-D+ parameters"),
            .float("grad-clip", \.gradClip, "global gradient-norm clip, 0 = off"),
            .float("dropout", \.model.dropout, "dropout probability", expectation: "a number in [0, 1)",
                   valid: { $0 >= 0 && $0 < 1 }),
            .int("grad-accum", \.gradAccum, "micro-batches per optimizer step"),
            .int("eval-interval", \.evalInterval, "steps between loss estimates and checkpoints"),
            .int("eval-iters", \.evalIters, "batches per loss estimate"),
            .int("log-interval", \.logInterval, "steps between progress lines"),
            .uint64("seed", \.seed, "random seed (init, batches, dropout)"),
            .int("threads", \.threads, "kernel threads"),
            .string("corpus", \.corpus, "UTF-8 text file to train on"),
            .string("out", \.out, "output directory"),
            .switch("resume", \.resume, "continue from OUT/train-state.safetensors (same flags)"),
            .switch("overfit-batch", \.overfitBatch, "train on a single fixed batch (debugging)"),
            .optionalString("probe", \.probe, "text for the attention dump (default: first block of val)"),
            .switch("dump-attention-every-eval", \.dumpAttentionEveryEval, "write attention.safetensors at every eval"),
            .int("sample-length", \.sampleLength, "tokens of the final sample", minimum: 0),
            .string("tokenizer", \.tokenizer, "char or bpe"),
            .int("vocab-size", \.vocabSize, "BPE vocabulary size (with --tokenizer bpe)"),
            .optionalString("tokenizer-file", \.tokenizerFile, "load this BPE tokenizer instead of training one"),
            .choice("pos", \.model.positionalEncoding, "positional scheme"),
            .int("moe-experts", \.model.moeExperts, "expert MLPs per block, 0 = dense MLP", minimum: 0),
            .int("moe-top-k", \.model.moeTopK, "experts per token (each expert is 4C/K wide)"),
            .float("moe-aux-weight", \.moeAuxWeight, "weight of the load-balancing loss"),
            .int("profile", \.profileSteps, "time N steps op by op after 2 warm-up steps, print the table and exit (0 = off)",
                 minimum: 0),
            .switch("health", \.health, "print per-layer gradient norm, update ratio, activations and clip events at each log"),
        ]
    }

    /// Parses `train`'s arguments. Returns nil for `--help`. Throws `UsageError` (exit 2).
    public static func parse(_ arguments: [String]) throws -> TrainConfig? {
        var config = TrainConfig()
        guard let parsed = try parseFlags(arguments, flags: flags, into: &config) else { return nil }
        if let problem = parsed.problem { throw UsageError(problem) }
        return parsed
    }

    /// `train --help`.
    public static var help: String {
        usage(program: "swift run train", summary: "Trains a GPT on a text corpus (default: nanoGPT's CPU config on Shakespeare).",
              flags: flags, defaults: TrainConfig())
    }
}

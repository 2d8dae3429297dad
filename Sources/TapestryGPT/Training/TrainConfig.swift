// TrainConfig: everything `swift run train` can set. The defaults are nanoGPT's CPU config
// for Shakespeare (block 64, batch 12, 4 layers, 4 heads, 128 embd, 2000 iters, lr 1e-3 → 1e-4).

import Tapestry

/// A training run's configuration. Every command-line flag overrides exactly one field.
public struct TrainConfig: Codable, Equatable, Sendable {
    /// The architecture (block_size, n_layer, n_head, n_embd, dropout; vocab_size comes from the data).
    public var model = GPTConfig(blockSize: 64, vocabSize: 0, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0)
    /// Sequences per micro-batch (B).
    public var batchSize = 12
    /// Optimizer steps.
    public var maxIters = 2000
    /// Peak learning rate, reached after warmup.
    public var learningRate: Float = 1e-3
    /// Learning rate at and after `lrDecayIters`.
    public var minLearningRate: Float = 1e-4
    /// Linear warmup steps.
    public var warmupIters = 100
    /// Step at which the cosine decay reaches `minLearningRate`.
    public var lrDecayIters = 2000
    /// AdamW decoupled weight decay, applied to 2-D+ parameters only.
    public var weightDecay: Float = 0.1
    /// AdamW β1.
    public var beta1: Float = 0.9
    /// AdamW β2.
    public var beta2: Float = 0.99
    /// Global gradient-norm clip (0 = off).
    public var gradClip: Float = 1.0
    /// Micro-batches accumulated per optimizer step.
    public var gradAccum = 1
    /// Steps between train/val loss estimates (and checkpoints).
    public var evalInterval = 250
    /// Batches per loss estimate.
    public var evalIters = 20
    /// Steps between progress lines.
    public var logInterval = 10
    /// Seed of initialization, batches and dropout.
    public var seed: UInt64 = 1337
    /// Threads for the kernels.
    public var threads = 1
    /// UTF-8 text to train on.
    public var corpus = "datasets/shakespeare.txt"
    /// Output directory.
    public var out = "out"
    /// Continue from `out/model.safetensors` and `out/train-state.safetensors`.
    public var resume = false
    /// Train on one fixed batch (a debugging classic: the loss should go to ~0).
    public var overfitBatch = false
    /// Text whose attention maps are dumped (default: the first block_size val tokens).
    public var probe: String? = nil
    /// Also write the attention dump at every evaluation.
    public var dumpAttentionEveryEval = false
    /// Characters (tokens) of the sample printed at the end.
    public var sampleLength = 200
    /// "char" or "bpe".
    public var tokenizer = "char"
    /// BPE vocabulary size (with `tokenizer == "bpe"`).
    public var vocabSize = 512
    /// Load a trained BPE tokenizer instead of training one.
    public var tokenizerFile: String? = nil
    /// Weight of the mixture-of-experts load-balancing loss added to the training loss.
    public var moeAuxWeight: Float = 0.01
    /// `--profile N`: time N steps op by op (after warm-up), print the table and exit (0 = train).
    public var profileSteps = 0
    /// `--health`: print per-layer gradient norms, update ratios, activations and clip events.
    public var health = false

    public init() {}

    /// A one-line problem description, or nil when the configuration is usable.
    public var problem: String? {
        if model.nHead > 0 && model.nEmbd % model.nHead != 0 {
            return "--n-embd \(model.nEmbd) must be divisible by --n-head \(model.nHead) (head size = n_embd / n_head)"
        }
        var probe = model
        probe.vocabSize = max(model.vocabSize, 1)
        if let p = probe.problem { return p }
        let positive: [(String, Int)] = [("--batch-size", batchSize), ("--eval-interval", evalInterval),
                                         ("--eval-iters", evalIters), ("--grad-accum", gradAccum),
                                         ("--log-interval", logInterval), ("--threads", threads),
                                         ("--lr-decay-iters", lrDecayIters)]
        for (flag, value) in positive where value <= 0 { return "\(flag) must be positive, got \(value)" }
        if maxIters < 0 { return "--max-iters must be >= 0, got \(maxIters)" }
        if warmupIters < 0 { return "--warmup-iters must be >= 0, got \(warmupIters)" }
        if sampleLength < 0 { return "--sample-length must be >= 0, got \(sampleLength)" }
        if !(learningRate > 0) { return "--lr must be positive, got \(learningRate)" }
        if !(minLearningRate >= 0) { return "--min-lr must be >= 0, got \(minLearningRate)" }
        if !(weightDecay >= 0) { return "--weight-decay must be >= 0, got \(weightDecay)" }
        if !(gradClip >= 0) { return "--grad-clip must be >= 0, got \(gradClip)" }
        if !(moeAuxWeight >= 0) { return "--moe-aux-weight must be >= 0, got \(moeAuxWeight)" }
        if profileSteps > 0 && health {
            return "--profile and --health cannot be combined (--health's measurements would be timed as part of the step)"
        }
        if tokenizer != "char" && tokenizer != "bpe" { return "--tokenizer must be char or bpe, got \(tokenizer)" }
        if tokenizer == "bpe" && vocabSize < 256 { return "--vocab-size must be at least 256 for BPE, got \(vocabSize)" }
        return nil
    }
}

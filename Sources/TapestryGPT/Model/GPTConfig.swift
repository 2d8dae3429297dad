// GPTConfig: the shape of a GPT, nanoGPT's `GPTConfig`, plus two optional variants:
// how positions enter the model (`pos`) and a mixture-of-experts feed-forward (`moe_experts`).
//
// Shape legend used in every file of the model:
//   B batch, T time (tokens in the window), C = nEmbd channels, nh = nHead heads,
//   hs = C / nh head size, V vocabulary size, E experts, K experts per token.
// Lesson: notebooks-md/08-gpt.md
//
// With the defaults (learned positions, dense MLP) the model, its parameter names and its
// checkpoint are exactly nanoGPT's. Configs saved before the variants existed have no `pos`
// or `moe_*` keys; they decode to those defaults.

/// How a GPT knows where each token sits (Positions/ has one file per scheme).
public enum PositionalScheme: String, Codable, CaseIterable, Sendable {
    /// A trained table `wpe` [block_size, C] added to the token embeddings (nanoGPT, GPT-2).
    case learned
    /// The fixed sin/cos table of "Attention Is All You Need", added like `wpe`.
    case sinusoidal
    /// Rotary embeddings: q and k of each head rotated by angles proportional to the position
    /// (the op is Tapestry/Ops/RotaryEmbedding.swift).
    case rope
    /// Attention with linear biases: a per-head penalty −m·(i − j) on the scores, no embedding.
    case alibi

    /// True when the scheme is defined for positions past block_size (learned has no rows there).
    public var isDefinedBeyondBlockSize: Bool { self != .learned }
}

/// The hyper-parameters that fix a GPT's architecture (not how it is trained).
public struct GPTConfig: Codable, Equatable, Sendable {
    /// Longest context the model is trained on; rows of `wpe`.
    public var blockSize: Int = 64
    /// Number of tokens in the vocabulary; rows of `wte`.
    public var vocabSize: Int = 65
    /// Number of transformer blocks.
    public var nLayer: Int = 4
    /// Attention heads per block (C must be divisible by it).
    public var nHead: Int = 4
    /// Embedding width C.
    public var nEmbd: Int = 128
    /// Dropout probability after attention/MLP projections and embeddings (0 = off).
    public var dropout: Float = 0
    /// How positions enter the model. Default `learned` (nanoGPT).
    public var positionalEncoding: PositionalScheme = .learned
    /// Experts per block's feed-forward; 0 = the dense nanoGPT MLP.
    public var moeExperts: Int = 0
    /// Experts each token is sent to (with `moeExperts > 0`). Each expert's hidden layer is
    /// 4C/K wide, so a token's active feed-forward compute equals the dense MLP's for any K.
    public var moeTopK: Int = 2

    public init(blockSize: Int = 64, vocabSize: Int = 65, nLayer: Int = 4, nHead: Int = 4,
                nEmbd: Int = 128, dropout: Float = 0, positionalEncoding: PositionalScheme = .learned,
                moeExperts: Int = 0, moeTopK: Int = 2) {
        self.blockSize = blockSize
        self.vocabSize = vocabSize
        self.nLayer = nLayer
        self.nHead = nHead
        self.nEmbd = nEmbd
        self.dropout = dropout
        self.positionalEncoding = positionalEncoding
        self.moeExperts = moeExperts
        self.moeTopK = moeTopK
    }

    /// Head size hs = C / nh.
    public var headSize: Int { nEmbd / nHead }

    /// True when each block's feed-forward is a mixture of experts.
    public var usesExperts: Bool { moeExperts > 0 }

    /// Hidden width of one expert MLP: 4C/K (the dense MLP's 4C split over the K active experts).
    public var expertHiddenSize: Int { 4 * nEmbd / max(moeTopK, 1) }

    /// nanoGPT's key names, used for the checkpoint metadata and JSON.
    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", vocabSize = "vocab_size", nLayer = "n_layer"
        case nHead = "n_head", nEmbd = "n_embd", dropout
        case positionalEncoding = "pos", moeExperts = "moe_experts", moeTopK = "moe_top_k"
    }

    /// Decodes a config; the variant keys are optional so checkpoints from before them still load.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        blockSize = try container.decode(Int.self, forKey: .blockSize)
        vocabSize = try container.decode(Int.self, forKey: .vocabSize)
        nLayer = try container.decode(Int.self, forKey: .nLayer)
        nHead = try container.decode(Int.self, forKey: .nHead)
        nEmbd = try container.decode(Int.self, forKey: .nEmbd)
        dropout = try container.decode(Float.self, forKey: .dropout)
        positionalEncoding = try container.decodeIfPresent(PositionalScheme.self, forKey: .positionalEncoding) ?? .learned
        moeExperts = try container.decodeIfPresent(Int.self, forKey: .moeExperts) ?? 0
        moeTopK = try container.decodeIfPresent(Int.self, forKey: .moeTopK) ?? 2
    }

    /// A one-line problem description, or nil if the configuration can be built.
    public var problem: String? {
        if blockSize <= 0 { return "block_size must be positive, got \(blockSize)" }
        if vocabSize <= 0 { return "vocab_size must be positive, got \(vocabSize)" }
        if nLayer <= 0 { return "n_layer must be positive, got \(nLayer)" }
        if nHead <= 0 { return "n_head must be positive, got \(nHead)" }
        if nEmbd <= 0 { return "n_embd must be positive, got \(nEmbd)" }
        if nEmbd % nHead != 0 { return "n_embd \(nEmbd) is not divisible by n_head \(nHead)" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1), got \(dropout)" }
        if positionalEncoding == .rope && headSize % 2 != 0 {
            return "pos rope rotates pairs of channels: head size \(headSize) (n_embd / n_head) must be even"
        }
        if positionalEncoding == .sinusoidal && nEmbd % 2 != 0 {
            return "pos sinusoidal pairs sin and cos: n_embd \(nEmbd) must be even"
        }
        if moeExperts < 0 { return "moe_experts must be >= 0 (0 = dense MLP), got \(moeExperts)" }
        if moeExperts > 0 {
            if moeTopK < 1 || moeTopK > moeExperts {
                return "moe_top_k must be in 1...moe_experts (\(moeExperts)), got \(moeTopK)"
            }
            if (4 * nEmbd) % moeTopK != 0 {
                return "moe_top_k \(moeTopK) must divide the MLP width 4·n_embd = \(4 * nEmbd) (each expert is 4C/K wide)"
            }
        }
        return nil
    }
}

// GPTConfig: the shape of a GPT, nanoGPT's `GPTConfig`.
//
// Shape legend used in every file of the model:
//   B batch, T time (tokens in the window), C = nEmbd channels, nh = nHead heads,
//   hs = C / nh head size, V vocabulary size.
// Lesson: notebooks-md/08-gpt.md

/// The hyper-parameters that fix a GPT's architecture (not how it is trained).
public struct GPTConfig: Codable, Equatable, Sendable {
    /// Longest context the model sees; rows of `wpe`.
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

    public init(blockSize: Int = 64, vocabSize: Int = 65, nLayer: Int = 4, nHead: Int = 4,
                nEmbd: Int = 128, dropout: Float = 0) {
        self.blockSize = blockSize
        self.vocabSize = vocabSize
        self.nLayer = nLayer
        self.nHead = nHead
        self.nEmbd = nEmbd
        self.dropout = dropout
    }

    /// Head size hs = C / nh.
    public var headSize: Int { nEmbd / nHead }

    /// nanoGPT's key names, used for the checkpoint metadata and JSON.
    enum CodingKeys: String, CodingKey {
        case blockSize = "block_size", vocabSize = "vocab_size", nLayer = "n_layer"
        case nHead = "n_head", nEmbd = "n_embd", dropout
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
        return nil
    }
}

// TransformerLayerConfig: the sizes of one PyTorch-style transformer layer, shared by the
// encoder layer, the decoder layer and the models built from them (MiniTransformer,
// EncoderDecoder). The JSON keys are PyTorch's argument names (`d_model`, `nhead`, ...).
//
// Shape legend for this folder (as in the GPT): B batch, T (or S for the encoder, Tq/Tk for
// cross-attention) positions, d = dModel channels, nh = heads, hs = d / nh head size,
// F = feedForward hidden width.

/// The hyper-parameters of `nn.TransformerEncoderLayer` / `nn.TransformerDecoderLayer`.
public struct TransformerLayerConfig: Codable, Equatable, Sendable {
    /// Channels d of every position (`d_model`).
    public var dModel: Int = 128
    /// Attention heads; d must be divisible by it (`nhead`).
    public var heads: Int = 8
    /// Hidden width F of the position-wise feed-forward (`dim_feedforward`).
    public var feedForward: Int = 256
    /// Dropout after attention, inside and after the feed-forward (0 = off).
    public var dropout: Float = 0.1

    /// The seed's sizes by default.
    public init(dModel: Int = 128, heads: Int = 8, feedForward: Int = 256, dropout: Float = 0.1) {
        self.dModel = dModel
        self.heads = heads
        self.feedForward = feedForward
        self.dropout = dropout
    }

    enum CodingKeys: String, CodingKey {
        case dModel = "d_model", heads = "nhead", feedForward = "dim_feedforward", dropout
    }

    /// A one-line problem description, or nil if the layer can be built.
    public var problem: String? {
        if dModel <= 0 { return "d_model must be positive, got \(dModel)" }
        if heads <= 0 { return "nhead must be positive, got \(heads)" }
        if dModel % heads != 0 { return "d_model \(dModel) is not divisible by nhead \(heads)" }
        if feedForward <= 0 { return "dim_feedforward must be positive, got \(feedForward)" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1), got \(dropout)" }
        return nil
    }
}

// MiniTransformer: the seed project's small PyTorch encoder, rebuilt on Tapestry.
//
//   h = encoder(x)            [B, T, d]   2 × TransformerEncoderLayer(d 128, 8 heads, F 256)
//   pooled = mean_t h         [B, d]      one vector per sequence
//   out = fc(pooled)          [B, 1]      e.g. a logit or a regression value
//
// In PyTorch:
//   layer = nn.TransformerEncoderLayer(d_model=128, nhead=8, dim_feedforward=256, dropout=0.1,
//                                      batch_first=True)
//   self.encoder = nn.TransformerEncoder(layer, num_layers=2); self.fc = nn.Linear(128, 1)
//   forward(x) = self.fc(self.encoder(x).mean(dim=1))
// The parameter names are that module's (`encoder.layers.0.self_attn.in_proj_weight`, ...,
// `fc.weight`), so its state_dict loads by name; Tests/TapestryGPTTests/MiniTransformerTests
// checks the output and every gradient against a PyTorch fixture.
//
// What it is not: a language model. It takes vectors, not token ids, and has no position
// information of its own: without it, the encoder is permutation-equivariant and the mean makes
// the output ignore the order. Put token and position embeddings in front when order matters
// (Examples/mini-transformer does).

import Tapestry
import TapestryNN

/// The architecture of a `MiniTransformer`.
public struct MiniTransformerConfig: Codable, Equatable, Sendable {
    /// Each encoder layer's sizes (the seed's: d 128, 8 heads, F 256, dropout 0.1).
    public var layer = TransformerLayerConfig()
    /// Number of encoder layers (the seed's: 2).
    public var layers: Int = 2
    /// Width of the output (the seed's: 1).
    public var outputs: Int = 1

    /// The seed's configuration by default.
    public init(layer: TransformerLayerConfig = TransformerLayerConfig(), layers: Int = 2, outputs: Int = 1) {
        self.layer = layer
        self.layers = layers
        self.outputs = outputs
    }

    enum CodingKeys: String, CodingKey { case layer, layers = "num_layers", outputs }

    /// A one-line problem description, or nil if the model can be built.
    public var problem: String? {
        if let problem = layer.problem { return problem }
        if layers <= 0 { return "num_layers must be positive, got \(layers)" }
        if outputs <= 0 { return "outputs must be positive, got \(outputs)" }
        return nil
    }
}

/// Encoder layers, a mean over positions, and a linear head: [B, T, d] → [B, outputs].
public final class MiniTransformer: Module {
    /// The architecture it was built with.
    public let config: MiniTransformerConfig
    /// `encoder.layers.{i}`.
    public let encoder: TransformerEncoder
    /// `fc`: d → outputs, nn.Linear's default initialization.
    public let fc: Linear

    /// A freshly initialized model (PyTorch's initialization schemes, Tapestry's random numbers).
    public init(config: MiniTransformerConfig = MiniTransformerConfig(), seed: UInt64) {
        precondition(config.problem == nil, "MiniTransformerConfig: \(config.problem ?? "")")
        self.config = config
        var generator = RandomGenerator(seed: seed)
        encoder = TransformerEncoder(name: "encoder", layers: config.layers, config: config.layer,
                                     generator: &generator)
        fc = Linear.pytorchDefault(name: "fc", inputFeatures: config.layer.dModel, outputFeatures: config.outputs,
                                   generator: &generator)
    }

    /// PyTorch's state_dict order.
    public var parameters: [Parameter] { encoder.parameters + fc.parameters }

    /// x [B, T, d] → [B, outputs]. `context` decides dropout (training) or none (evaluation).
    public func callAsFunction(_ x: Variable, context: inout ForwardContext) -> Variable {
        let (hidden, _) = encoder(x, context: &context)                                // [B, T, d]
        return fc(hidden.mean(axis: 1))                                                // [B, d] → [B, outputs]
    }
}

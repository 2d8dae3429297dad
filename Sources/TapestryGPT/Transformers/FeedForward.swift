// FeedForward: the position-wise feed-forward of PyTorch's transformer layers.
//
//   h = dropout(relu(linear1(x)))     [B, T, F]
//   out = linear2(h)                  [B, T, d]
//
// PyTorch keeps linear1/linear2 directly on the layer (`layers.0.linear1.weight`), so this
// module takes the layer's name as its prefix and adds no level of its own. It differs from the
// GPT's `MLP` in the activation (ReLU, PyTorch's default, not GELU), the width (any F, not 4d),
// the dropout inside, the initialization (nn.Linear's U(±1/√in)) and the names.

import Tapestry
import TapestryNN

/// Linear d → F, ReLU, dropout, Linear F → d.
public final class FeedForward: Module {
    /// `\(name).linear1` d → F. Weight [F, d].
    public let linear1: Linear
    /// `\(name).linear2` F → d. Weight [d, F].
    public let linear2: Linear
    let dropout: Float

    /// `name` is the owning layer's prefix, e.g. `encoder.layers.0`.
    public init(name: String, config: TransformerLayerConfig, generator: inout RandomGenerator) {
        linear1 = Linear.pytorchDefault(name: "\(name).linear1", inputFeatures: config.dModel,
                                        outputFeatures: config.feedForward, generator: &generator)
        linear2 = Linear.pytorchDefault(name: "\(name).linear2", inputFeatures: config.feedForward,
                                        outputFeatures: config.dModel, generator: &generator)
        dropout = config.dropout
    }

    public var parameters: [Parameter] { linear1.parameters + linear2.parameters }

    /// x [B, T, d] → [B, T, d].
    public func callAsFunction(_ x: Variable, context: inout ForwardContext) -> Variable {
        let hidden = context.dropout(linear1(x).relu(), probability: dropout)     // [B, T, F]
        return linear2(hidden)                                                    // [B, T, d]
    }
}

// MLP: the position-wise feed-forward of a block, nanoGPT's `MLP`.
//
//   h = gelu(c_fc(x))     [B, T, 4C]   (exact erf GELU, PyTorch's nn.GELU() default)
//   out = c_proj(h)       [B, T, C]
// Lesson: notebooks-md/07-feed-forward-layernorm.md

import Tapestry
import TapestryNN

/// Feed-forward network C → 4C → C with GELU.
public final class MLP: Module {
    /// C → 4C. Weight [4C, C].
    public let cFc: Linear
    /// 4C → C. Weight [C, 4C].
    public let cProj: Linear
    let dropout: Float

    public init(name: String, config: GPTConfig, generator: inout RandomGenerator) {
        let c = config.nEmbd
        cFc = Linear(name: "\(name).c_fc", inputFeatures: c, outputFeatures: 4 * c, generator: &generator)
        cProj = Linear(name: "\(name).c_proj", inputFeatures: 4 * c, outputFeatures: c,
                       weightStd: 0.02 / Float(2 * config.nLayer).squareRoot(), generator: &generator)
        dropout = config.dropout
    }

    public var parameters: [Parameter] { cFc.parameters + cProj.parameters }

    /// x [B, T, C] → [B, T, C].
    public func callAsFunction(_ x: Variable, context: inout ForwardContext) -> Variable {
        let hidden = cFc(x).gelu()                                     // [B, T, 4C]
        return context.dropout(cProj(hidden), probability: dropout)    // [B, T, C]
    }
}

// MLP: the position-wise feed-forward of a block, nanoGPT's `MLP`.
//
//   h = gelu(c_fc(x))     [B, T, 4C]   (exact erf GELU, PyTorch's nn.GELU() default)
//   out = c_proj(h)       [B, T, C]
// Lesson: notebooks-md/07-feed-forward-layernorm.md

import Tapestry
import TapestryNN

/// Feed-forward network C → 4C → C with GELU (the hidden width H is 4C unless given).
public final class MLP: Module {
    /// C → H. Weight [H, C].
    public let cFc: Linear
    /// H → C. Weight [C, H].
    public let cProj: Linear
    let dropout: Float

    /// `hiddenFeatures` H defaults to 4C; a mixture-of-experts layer makes its experts narrower.
    public init(name: String, config: GPTConfig, hiddenFeatures: Int? = nil, generator: inout RandomGenerator) {
        let c = config.nEmbd
        let hidden = hiddenFeatures ?? 4 * c
        cFc = Linear(name: "\(name).c_fc", inputFeatures: c, outputFeatures: hidden, generator: &generator)
        cProj = Linear(name: "\(name).c_proj", inputFeatures: hidden, outputFeatures: c,
                       weightStd: 0.02 / Float(2 * config.nLayer).squareRoot(), generator: &generator)
        dropout = config.dropout
    }

    public var parameters: [Parameter] { cFc.parameters + cProj.parameters }

    /// x [B, T, C] → [B, T, C] (or [N, C] → [N, C]).
    public func callAsFunction(_ x: Variable, context: inout ForwardContext) -> Variable {
        let hidden = cFc(x).gelu()                                     // [B, T, H]
        return context.dropout(cProj(hidden), probability: dropout)    // [B, T, C]
    }
}

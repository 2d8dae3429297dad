// ForwardContext: what a forward pass needs besides its inputs: training or evaluation
// mode, the random stream for dropout masks, and (optionally) an observer of the residual
// stream for `train --health`.

import Tapestry

/// Mode and randomness of one forward pass.
public struct ForwardContext {
    /// True while training: dropout is active. False for evaluation and sampling.
    public var training: Bool
    /// Source of dropout masks. Derive it from (seed, step) so a resumed run draws the same masks.
    public var generator: RandomGenerator
    /// When set, dropout draws from this shared stream instead of `generator`, so that a
    /// replayed recording draws new masks (the trainer re-seeds it before every step).
    public var stream: RandomStream? = nil
    /// When set, the GPT adds the residual stream after the embeddings and after each block
    /// to it (reads only: the values and the tape are unchanged).
    public var residualStatistics: ResidualStatistics? = nil

    public init(training: Bool, generator: RandomGenerator = RandomGenerator(seed: 0)) {
        self.training = training
        self.generator = generator
    }

    /// Evaluation: no dropout.
    public static var evaluation: ForwardContext { ForwardContext(training: false) }

    /// `x` with inverted dropout applied when training and `probability > 0`, else `x` itself.
    public mutating func dropout(_ x: Variable, probability: Float) -> Variable {
        guard training, probability > 0 else { return x }
        if let stream { return x.dropout(probability: probability, training: true, stream: stream) }
        return x.dropout(probability: probability, training: true, generator: &generator)
    }
}

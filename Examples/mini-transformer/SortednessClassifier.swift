// SortednessClassifier: token ids → vectors → the seed's MiniTransformer → one logit.
//
//   x = tokens[ids] + positions[0..<T]      [B, T, 128]   learned, N(0, 1) like nn.Embedding
//   z = MiniTransformer(x)                  [B, 1]        p(sorted) = σ(z)
//
// MiniTransformer has no notion of order (see its header); the position embeddings give it one.
// The loss is binary cross-entropy with logits, written as a two-class cross-entropy over the
// scores [0, z]: softmax([0, z])[1] = e^z / (1 + e^z) = σ(z), so the fused, stable
// `crossEntropy` op computes −log σ(z) for label 1 and −log(1 − σ(z)) for label 0.

import Tapestry
import TapestryNN
import TapestryGPT

final class SortednessClassifier: Module {
    /// `tokens.weight` [V, d] and `positions.weight` [T, d].
    let tokens: Embedding
    let positions: Embedding
    /// `encoder.layers.{i}`, `fc`: the seed's model.
    let transformer: MiniTransformer

    init(vocabulary: Int, length: Int, config: MiniTransformerConfig, seed: UInt64) {
        var generator = RandomGenerator(seed: seed ^ 0x5EED)
        tokens = Embedding(name: "tokens", count: vocabulary, dimensions: config.layer.dModel, std: 1, generator: &generator)
        positions = Embedding(name: "positions", count: length, dimensions: config.layer.dModel, std: 1,
                              generator: &generator)
        transformer = MiniTransformer(config: config, seed: seed)
    }

    var parameters: [Parameter] { tokens.parameters + positions.parameters + transformer.parameters }

    /// ids [B, T] (row-major) → logits z [B, 1].
    func callAsFunction(_ ids: [Int], batch: Int, length: Int, tape: Tape, context: inout ForwardContext) -> Variable {
        let x = tokens(ids, shape: [batch, length], tape: tape) + positions(Array(0..<length), shape: [length], tape: tape)
        return transformer(x, context: &context)                                       // [B, 1]
    }

    /// Binary cross-entropy of logits z [B, 1] against labels in {0, 1}, via scores [0, z].
    static func loss(logits: Variable, labels: [Int]) -> Variable {
        let zeros = logits.tape.constant(Tensor(zeros: logits.shape))                 // [B, 1]
        return Variable.concatenate([zeros, logits], axis: 1).crossEntropy(targets: labels)   // [B, 2] → []
    }
}

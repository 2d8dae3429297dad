// EncoderDecoder: a small sequence-to-sequence transformer ("Attention Is All You Need").
//
//   encoder:  s = source_embedding[src] + source_positions[0..<S]       [B, S, d]
//             memory = encoder(s)                                       [B, S, d]
//   decoder:  t = target_embedding[tgt] + target_positions[0..<T]       [B, T, d]
//             h = decoder(t, memory)                                    [B, T, d]  masked self- + cross-attention
//             logits = head(h)                                          [B, T, V]
//   loss = mean cross-entropy(logits, next target tokens)
//
// Teacher forcing: in training the decoder reads the true target shifted right by a start
// token (`<s> y1 y2 ...`) and predicts `y1 y2 ... </s>`; the causal mask keeps position i from
// seeing y(i+1) and beyond, so all positions train in one pass. At inference nothing of the
// target is known, so `greedyDecode` feeds the model its own most likely token, one at a time.
//
// Layers are PyTorch's post-LN nn.TransformerEncoderLayer / nn.TransformerDecoderLayer (this
// folder), whose attention is the GPT's fused op. Embeddings start N(0, 1) (nn.Embedding's
// default) and positions are learned, as in the GPT.
// What it is not: padding masks (a batch holds sequences of one length: see the seq2seq
// example's bucketing), beam search, weight tying, or a KV cache.
// Lesson: notebooks-md/08-gpt.md

import Tapestry
import TapestryNN

/// The architecture of an `EncoderDecoder`.
public struct EncoderDecoderConfig: Codable, Equatable, Sendable {
    /// Tokens the encoder reads (rows of `source_embedding`).
    public var sourceVocabularySize: Int = 16
    /// Tokens the decoder reads and predicts, start and end tokens included.
    public var targetVocabularySize: Int = 16
    /// Longest source, and longest decoder input (rows of the position tables).
    public var maxLength: Int = 16
    /// Number of encoder layers.
    public var encoderLayers: Int = 2
    /// Number of decoder layers.
    public var decoderLayers: Int = 2
    /// Sizes of every layer.
    public var layer = TransformerLayerConfig(dModel: 64, heads: 4, feedForward: 128, dropout: 0)

    /// A configuration; every default is a small toy size.
    public init(sourceVocabularySize: Int = 16, targetVocabularySize: Int = 16, maxLength: Int = 16,
                encoderLayers: Int = 2, decoderLayers: Int = 2,
                layer: TransformerLayerConfig = TransformerLayerConfig(dModel: 64, heads: 4, feedForward: 128, dropout: 0)) {
        self.sourceVocabularySize = sourceVocabularySize
        self.targetVocabularySize = targetVocabularySize
        self.maxLength = maxLength
        self.encoderLayers = encoderLayers
        self.decoderLayers = decoderLayers
        self.layer = layer
    }

    enum CodingKeys: String, CodingKey {
        case sourceVocabularySize = "source_vocab_size", targetVocabularySize = "target_vocab_size"
        case maxLength = "max_length", encoderLayers = "num_encoder_layers", decoderLayers = "num_decoder_layers"
        case layer
    }

    /// A one-line problem description, or nil if the model can be built.
    public var problem: String? {
        if let problem = layer.problem { return problem }
        if sourceVocabularySize <= 0 { return "source_vocab_size must be positive, got \(sourceVocabularySize)" }
        if targetVocabularySize <= 0 { return "target_vocab_size must be positive, got \(targetVocabularySize)" }
        if maxLength <= 0 { return "max_length must be positive, got \(maxLength)" }
        if encoderLayers <= 0 { return "num_encoder_layers must be positive, got \(encoderLayers)" }
        if decoderLayers <= 0 { return "num_decoder_layers must be positive, got \(decoderLayers)" }
        return nil
    }
}

/// A transformer encoder–decoder over token ids.
public final class EncoderDecoder: Module {
    /// The architecture it was built with.
    public let config: EncoderDecoderConfig
    /// `source_embedding` [Vs, d] and `source_positions` [maxLength, d].
    public let sourceEmbedding: Embedding
    /// See `sourceEmbedding`.
    public let sourcePositions: Embedding
    /// `target_embedding` [Vt, d] and `target_positions` [maxLength, d].
    public let targetEmbedding: Embedding
    /// See `targetEmbedding`.
    public let targetPositions: Embedding
    /// `encoder.layers.{i}`.
    public let encoder: TransformerEncoder
    /// `decoder.layers.{i}`.
    public let decoder: TransformerDecoder
    /// `head`: d → Vt.
    public let head: Linear

    /// A freshly initialized model: embeddings N(0, 1), layers and head as PyTorch initializes them.
    public init(config: EncoderDecoderConfig, seed: UInt64) {
        precondition(config.problem == nil, "EncoderDecoderConfig: \(config.problem ?? "")")
        self.config = config
        let d = config.layer.dModel
        var generator = RandomGenerator(seed: seed)
        sourceEmbedding = Embedding(name: "source_embedding", count: config.sourceVocabularySize, dimensions: d,
                                    std: 1, generator: &generator)
        sourcePositions = Embedding(name: "source_positions", count: config.maxLength, dimensions: d,
                                    std: 1, generator: &generator)
        targetEmbedding = Embedding(name: "target_embedding", count: config.targetVocabularySize, dimensions: d,
                                    std: 1, generator: &generator)
        targetPositions = Embedding(name: "target_positions", count: config.maxLength, dimensions: d,
                                    std: 1, generator: &generator)
        encoder = TransformerEncoder(name: "encoder", layers: config.encoderLayers, config: config.layer,
                                     generator: &generator)
        decoder = TransformerDecoder(name: "decoder", layers: config.decoderLayers, config: config.layer,
                                     generator: &generator)
        head = Linear.pytorchDefault(name: "head", inputFeatures: d, outputFeatures: config.targetVocabularySize,
                                     generator: &generator)
    }

    public var parameters: [Parameter] {
        sourceEmbedding.parameters + sourcePositions.parameters + targetEmbedding.parameters
            + targetPositions.parameters + encoder.parameters + decoder.parameters + head.parameters
    }

    /// Encodes `source` (B·S ids, row-major [B, S]) into the memory [B, S, d]; also returns
    /// each encoder layer's self-attention weights [B, nh, S, S].
    public func encode(_ source: [Int], batch: Int, length: Int, tape: Tape,
                       context: inout ForwardContext) -> (memory: Variable, attention: [Tensor]) {
        precondition(source.count == batch * length, "EncoderDecoder: \(source.count) source ids for [\(batch), \(length)]")
        precondition(length <= config.maxLength, "EncoderDecoder: source of \(length) exceeds max_length \(config.maxLength)")
        let tokens = sourceEmbedding(source, shape: [batch, length], tape: tape)              // [B, S, d]
        let positions = sourcePositions(Array(0..<length), shape: [length], tape: tape)       // [S, d]
        let x = context.dropout(tokens + positions, probability: config.layer.dropout)
        return encoder(x, context: &context)                                                  // [B, S, d]
    }

    /// What a decoder pass returns.
    public struct Output {
        /// [B, T, Vt] scores for the next target token at every position.
        public let logits: Variable
        /// Mean cross-entropy when targets were given (shape []).
        public let loss: Variable?
        /// Per decoder layer: causal self-attention [B, nh, T, T] and cross-attention [B, nh, T, S].
        public let selfAttention: [Tensor]
        /// See `selfAttention`.
        public let crossAttention: [Tensor]
    }

    /// Decodes the target prefix `target` (B·T ids, [B, T], starting with the start token)
    /// against `memory` [B, S, d]. With `targets` (B·T ids), `loss` is their mean cross-entropy.
    public func decode(_ target: [Int], batch: Int, length: Int, memory: Variable, targets: [Int]? = nil,
                       context: inout ForwardContext) -> Output {
        precondition(target.count == batch * length, "EncoderDecoder: \(target.count) target ids for [\(batch), \(length)]")
        precondition(length <= config.maxLength, "EncoderDecoder: target of \(length) exceeds max_length \(config.maxLength)")
        let tape = memory.tape
        let tokens = targetEmbedding(target, shape: [batch, length], tape: tape)              // [B, T, d]
        let positions = targetPositions(Array(0..<length), shape: [length], tape: tape)       // [T, d]
        let x = context.dropout(tokens + positions, probability: config.layer.dropout)
        let (hidden, selfAttention, crossAttention) = decoder(x, memory: memory, context: &context)   // [B, T, d]
        let logits = head(hidden)                                                             // [B, T, Vt]
        let loss = targets.map { logits.crossEntropy(targets: $0) }
        return Output(logits: logits, loss: loss, selfAttention: selfAttention, crossAttention: crossAttention)
    }

    /// One teacher-forced pass: encode `source` [B, S], decode `target` [B, T] (start token then
    /// the true prefix), and score the prediction of `targets` [B, T] (the true next tokens).
    public func callAsFunction(source: [Int], sourceLength: Int, target: [Int], targetLength: Int, batch: Int,
                               targets: [Int]? = nil, tape: Tape, context: inout ForwardContext) -> Output {
        let (memory, _) = encode(source, batch: batch, length: sourceLength, tape: tape, context: &context)
        return decode(target, batch: batch, length: targetLength, memory: memory, targets: targets, context: &context)
    }
}

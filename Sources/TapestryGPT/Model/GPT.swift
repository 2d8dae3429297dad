// GPT: nanoGPT's decoder-only transformer, built from the blocks in this folder.
//
//   x = wte[ids] + wpe[positions]            [B, T, C]   token + learned position embeddings
//   x = block_i(x)  for i in 0..<n_layer     [B, T, C]
//   logits = ln_f(x) · wteᵀ                  [B, T, V]   head tied to the token embedding
//   loss = mean cross-entropy(logits, targets)
//
// Weight tying: `wte` is used twice (lookup at the bottom, projection at the top), so its
// gradient is the sum of both uses; the tape adds them (fan-out).
// Parameter names are exactly nanoGPT's state_dict keys; Linear weights are [out, in].
//
// Variants (GPTConfig): `pos` replaces wpe by a fixed sinusoidal table, or moves positions
// into attention (RoPE, ALiBi; see GPT+Positions.swift). `moe_experts` turns each block's MLP
// into a mixture of experts; their load-balancing losses come back in `Output.auxiliaryLoss`.
// Lesson: notebooks-md/08-gpt.md, notebooks-md/12-quantization-context.md

import Tapestry
import TapestryNN

/// A GPT language model with nanoGPT's architecture, parameter names and initialization.
public final class GPT: Module {
    public let config: GPTConfig
    /// Token embedding `transformer.wte.weight` [V, C], also the output head.
    public let wte: Embedding
    /// Position embedding `transformer.wpe.weight` [blockSize, C]; nil unless `pos` is learned.
    public let wpe: Embedding?
    /// `transformer.h.{i}`.
    public let blocks: [Block]
    /// Final LayerNorm `transformer.ln_f`.
    public let lnF: LayerNorm
    /// Sinusoidal rows (scaled by 1/√C) for positions 0..<blockSize [blockSize, C]; nil unless `pos` is sinusoidal.
    let sinusoidalTable: Tensor?

    /// A freshly initialized model: N(0, 0.02) weights and embeddings, zero biases,
    /// `c_proj` weights N(0, 0.02/√(2·n_layer)), LayerNorm weight 1 and bias 0.
    public init(config: GPTConfig, seed: UInt64) {
        precondition(config.problem == nil, "GPTConfig: \(config.problem ?? "")")
        self.config = config
        var generator = RandomGenerator(seed: seed)
        wte = Embedding(name: "transformer.wte", count: config.vocabSize, dimensions: config.nEmbd,
                        generator: &generator)
        wpe = config.positionalEncoding != .learned ? nil
            : Embedding(name: "transformer.wpe", count: config.blockSize, dimensions: config.nEmbd, generator: &generator)
        sinusoidalTable = config.positionalEncoding != .sinusoidal ? nil
            : SinusoidalPositions.embedding(positions: 0..<config.blockSize, channels: config.nEmbd)
        var blocks: [Block] = []
        for i in 0..<config.nLayer {
            blocks.append(Block(name: "transformer.h.\(i)", config: config, generator: &generator))
        }
        self.blocks = blocks
        lnF = LayerNorm(name: "transformer.ln_f", features: config.nEmbd)
    }

    /// Every parameter, in nanoGPT's state_dict order.
    public var parameters: [Parameter] {
        wte.parameters + (wpe?.parameters ?? []) + blocks.flatMap(\.parameters) + lnF.parameters
    }

    /// Parameters by dotted name.
    public var namedParameters: [String: Parameter] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) })
    }

    /// What a forward pass returns.
    public struct Output {
        /// [B, T, V] unnormalized next-token scores.
        public let logits: Variable
        /// Mean cross-entropy when targets were given (shape []).
        public let loss: Variable?
        /// Softmax attention weights of each layer, [B, nh, T, Tk].
        public let attention: [Tensor]
        /// Mixture of experts only: the mean over layers of the load-balancing loss (shape [];
        /// 1 when balanced). The trainer adds `moe_aux_weight` times it to `loss`.
        public let auxiliaryLoss: Variable?
        /// Mixture of experts only: per layer, the fraction of assignments each expert got.
        public let expertUtilization: [[Float]]
    }

    /// Runs the model on `ids` (B·T token ids, row-major [B, T]).
    ///
    /// - targets: B·T next-token ids; when given, `loss` is their mean cross-entropy.
    /// - cache: a KV cache for generation; positions then continue after the cached ones.
    /// Learned positions stop at block_size; the other schemes accept longer sequences
    /// (for extrapolation experiments; the trainer and the sampler stay within block_size).
    public func callAsFunction(_ ids: [Int], batch: Int, time: Int, targets: [Int]? = nil,
                               tape: Tape, context: inout ForwardContext,
                               cache: KVCache? = nil) -> Output {
        self(IndexBuffer(ids), batch: batch, time: time, targets: targets.map(IndexBuffer.init),
             tape: tape, context: &context, cache: cache)
    }

    /// The same forward pass, reading ids and targets from buffers: a trainer that replays its
    /// recorded step (`Tape.replay`) refills them with each new batch.
    public func callAsFunction(_ ids: IndexBuffer, batch: Int, time: Int, targets: IndexBuffer?,
                               tape: Tape, context: inout ForwardContext,
                               cache: KVCache? = nil) -> Output {
        let start = cache?.length ?? 0
        precondition(ids.count == batch * time, "GPT: \(ids.count) ids for batch \(batch) × time \(time)")
        precondition(start + time <= config.blockSize || config.positionalEncoding.isDefinedBeyondBlockSize,
                     "GPT: sequence of \(start + time) tokens exceeds block_size \(config.blockSize)")
        var x = wte(ids, shape: [batch, time], tape: tape)                       // [B, T, C]
        if let positions = positionEmbedding(start: start, time: time, tape: tape) {
            x = x + positions                                                     // + [T, C]
        }
        x = context.dropout(x, probability: config.dropout)                      // [B, T, C]
        context.residualStatistics?.add(position: 0, x.value)
        let positions = attentionPositions(start: start, time: time)
        var attention: [Tensor] = []
        var auxiliaryLosses: [Variable] = []
        var utilization: [[Float]] = []
        for (i, block) in blocks.enumerated() {
            let result = block(x, cache: cache?.layers[i], positions: positions, context: &context)
            x = result.output                                                     // [B, T, C]
            context.residualStatistics?.add(position: i + 1, x.value)
            attention.append(result.attention)                                    // [B, nh, T, Tk]
            if let routing = result.routing {
                auxiliaryLosses.append(routing.auxiliaryLoss)
                utilization.append(routing.assignment.utilization)
            }
        }
        cache?.length += time
        let head = tape.parameter(wte.weight)                                     // [V, C]
        let logits = lnF(x).linear(weight: head, bias: nil)                       // [B, T, V]
        let loss = targets.map { logits.crossEntropy(targets: $0) }
        let auxiliaryLoss = auxiliaryLosses.isEmpty ? nil
            : auxiliaryLosses.dropFirst().reduce(auxiliaryLosses[0], +) * (1 / Float(auxiliaryLosses.count))
        return Output(logits: logits, loss: loss, attention: attention, auxiliaryLoss: auxiliaryLoss,
                      expertUtilization: utilization)
    }

    /// Total number of parameters (the tied head counted once).
    public var parameterCount: Int { parameters.scalarCount }

    /// nanoGPT's "number of parameters": all but the position embedding.
    public var nonEmbeddingParameterCount: Int { parameterCount - (wpe?.weight.count ?? 0) }

    /// Parameters one token uses: with experts, only the router and K of the E experts of
    /// each block count. Equals `parameterCount` for a dense model.
    public var activeParameterCount: Int {
        blocks.reduce(parameterCount) { total, block in
            guard let experts = block.experts else { return total }
            return total - experts.parameterCount + experts.activeParameterCount
        }
    }

    /// Training FLOPs per token, nanoGPT's estimate: 6N + 12·L·H·Q·T
    /// (N active non-embedding parameters, L layers, H heads, Q head size, T block size).
    public func flopsPerToken(time: Int) -> Double {
        let n = Double(activeParameterCount - (wpe?.weight.count ?? 0))
        return 6 * n + 12 * Double(config.nLayer * config.nHead * config.headSize * time)
    }
}

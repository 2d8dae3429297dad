// MemoryEstimate: a rough figure for a training run's memory, checked before anything big is
// allocated, so that `--n-embd 65536` is a one-line error and not a crash in the allocator.
//
// What it is: nanoGPT's parameter count plus the activations the tape keeps for backward,
// accurate to a small factor. What it is not: a profiler. It only refuses runs that could
// never fit in this machine's physical memory; a run that fits on paper may still swap.

import Foundation

/// Estimated bytes of a training run, and a refusal when that exceeds physical memory.
enum MemoryEstimate {
    /// Parameters of a nanoGPT-shaped model:
    /// V·C (wte) + T·C (wpe) + L·(12·C² + 13·C) (attention, MLP, two LayerNorms) + 2·C (ln_f).
    static func parameters(_ config: GPTConfig) -> Double {
        let c = Double(config.nEmbd), layers = Double(config.nLayer)
        return Double(config.vocabSize) * c + Double(config.blockSize) * c + layers * (12 * c * c + 13 * c) + 2 * c
    }

    /// Bytes of one training step: weights, gradients and AdamW's two moments (4 floats per
    /// parameter), plus per token of the batch about 16·C + 2·nh·T floats per layer (the
    /// activations and the attention probabilities) and 2·V for the logits and their softmax.
    static func trainingBytes(_ config: GPTConfig, batchSize: Int) -> Double {
        let c = Double(config.nEmbd), t = Double(config.blockSize)
        let perToken = Double(config.nLayer) * (16 * c + 2 * Double(config.nHead) * t) + 2 * Double(config.vocabSize)
        return 4 * (4 * parameters(config) + Double(batchSize) * t * perToken)
    }

    /// A one-line refusal when the run cannot fit in physical memory, else nil.
    static func problem(_ config: GPTConfig, batchSize: Int,
                        physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> String? {
        let needed = trainingBytes(config, batchSize: batchSize)
        guard needed > Double(physicalMemory) else { return nil }
        func gigabytes(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1e9) }
        return "this model and batch need about \(gigabytes(needed)) of memory "
            + "(\(Int(min(parameters(config), 9e18))) parameters), more than this machine's \(gigabytes(Double(physicalMemory))); "
            + "use a smaller --n-embd, --n-layer, --block-size or --batch-size"
    }
}

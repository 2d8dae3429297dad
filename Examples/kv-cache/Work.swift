// Work: how many token positions, and roughly how many FLOPs, one generation computes.
//
// A forward pass over f new positions whose attention reads k positions (cached + new) costs
//   2·N·f           the matrix multiplies (N = parameters without wpe, the tied head included)
// + 4·L·C·f·k       attention: q·kᵀ and weights·v, 2·C·f·k each per layer
// Without the cache, step s feeds the whole window again (f = k = its length): the sum over
// n steps is O(n²). With it, step s feeds one position (f = 1, k = its length): O(n) positions.
// The counts mirror TextGenerator's rule (TapestryGPT/Sampling/TextGenerator.swift), including
// the rebuild when the window slides past block_size (which these runs never reach).

import TapestryGPT

/// Positions computed and estimated FLOPs of one `TextGenerator.generate` call.
struct Work {
    var positions = 0
    var flops = 0.0

    /// The work of generating `count` tokens after a `prompt`-token prompt.
    init(model: GPT, prompt: Int, count: Int, useCache: Bool) {
        let config = model.config
        let n = Double(model.nonEmbeddingParameterCount)
        let attention = 4 * Double(config.nLayer * config.nEmbd)
        var cached = 0
        for step in 0..<count {
            let window = min(prompt + step, config.blockSize)
            let fed: Int
            if useCache, step > 0, cached < config.blockSize, cached == window - 1 {
                fed = 1                                             // only the newest token
                cached += 1
            } else {
                fed = window                                        // the whole window again
                cached = window
            }
            positions += fed
            flops += 2 * n * Double(fed) + attention * Double(fed) * Double(window)
        }
    }
}

/// `text` padded with spaces to `width` (at least one space after it).
func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
}

// GreedyDecoding: translating with an EncoderDecoder, one most-likely token at a time.
//
//   memory = encode(source)                         once
//   prefix = [<s>]
//   repeat: next = argmax decode(prefix, memory)[last position]
//           stop at </s> (or after maxLength tokens), else prefix += [next]
//
// Sources in one call must have the same length (no padding masks); each sequence stops on its
// own end token while the others go on. Without a KV cache every step re-runs the decoder on
// the whole prefix: O(T²) positions for T output tokens, cheap at toy lengths. Because the
// decoder is causal, the last pass's cross-attention rows are exactly the rows each earlier
// step saw, so one pass over the final prefix gives the whole alignment (`crossAttentionMap`).
// What it is not: beam search or sampling with a temperature (see Sampling/ for the GPT's).

import Tapestry

extension EncoderDecoder {
    /// Greedy translations of `sources` (all of one length S ≤ maxLength), each without its start
    /// and end tokens. At most `maxLength` tokens are produced per sequence (`</s>` included).
    public func greedyDecode(_ sources: [[Int]], start: Int, end: Int, maxLength: Int? = nil) -> [[Int]] {
        guard let sourceLength = sources.first?.count else { return [] }
        precondition(sources.allSatisfy { $0.count == sourceLength }, "greedyDecode: sources must have one length")
        let limit = min(maxLength ?? config.maxLength, config.maxLength)
        let batch = sources.count
        let tape = Tape()
        var context = ForwardContext.evaluation
        return tape.withoutGrad {
            let (memory, _) = encode(sources.flatMap { $0 }, batch: batch, length: sourceLength, tape: tape,
                                     context: &context)                                // [B, S, d]
            var prefixes = [[Int]](repeating: [start], count: batch)
            var outputs = [[Int]](repeating: [], count: batch)
            var finished = [Bool](repeating: false, count: batch)
            for length in 1...limit {
                let logits = decode(prefixes.flatMap { $0 }, batch: batch, length: length, memory: memory,
                                    context: &context).logits.value                   // [B, T, Vt]
                let vocabulary = logits.shape[2], scores = logits.scalars
                for b in 0..<batch where !finished[b] {
                    let last = (b * length + length - 1) * vocabulary                   // last position's row
                    let next = Sampling.argmax(Array(scores[last..<(last + vocabulary)]))
                    if next == end { finished[b] = true } else { outputs[b].append(next) }
                    prefixes[b].append(next)
                }
                for b in 0..<batch where finished[b] && prefixes[b].count == length { prefixes[b].append(end) }
                tape.reset()                      // recycle this step's buffers (memory is still held)
                if !finished.contains(false) { break }
            }
            return outputs
        }
    }

    /// The greedy translation of one `source` and the cross-attention that produced it.
    ///
    /// Returns the produced tokens (`</s>` included when it was reached) and, per decoder layer,
    /// the weights [nh, Tq, S]: row i is where the decoder looked in the source while producing
    /// `produced[i]` (Tq = produced.count).
    public func crossAttentionMap(source: [Int], start: Int, end: Int)
        -> (produced: [Int], layers: [Tensor]) {
        let output = greedyDecode([source], start: start, end: end)[0]
        let reachedEnd = output.count < config.maxLength
        let produced = reachedEnd ? output + [end] : output
        let prefix = [start] + produced.dropLast()
        let tape = Tape()
        var context = ForwardContext.evaluation
        let cross = tape.withoutGrad {
            self(source: source, sourceLength: source.count, target: prefix, targetLength: prefix.count, batch: 1,
                 tape: tape, context: &context).crossAttention
        }
        let layers = cross.map { $0.reshaped([config.layer.heads, prefix.count, source.count]) }   // [1, nh, Tq, S] → [nh, Tq, S]
        return (produced, layers)
    }
}

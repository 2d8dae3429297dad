// Evaluation: the loss of a checkpoint on fixed, strided windows of a token stream, the same
// windows `torch_gpt.py eval --strided` uses, so Tapestry and PyTorch can be compared number
// for number on one checkpoint.
//
//   windows start at 0, T, 2T, ... (at most `windows` of them, all that fit when nil)
//   loss = Σ cross-entropy over every position of every window / number of positions

import Tapestry

extension GPT {
    /// Mean cross-entropy (nats/token) over strided windows of `tokens`, without gradients.
    /// Windows are `time` tokens long (default block_size; longer only for the positional
    /// schemes defined past block_size, to measure extrapolation).
    public func stridedLoss(on tokens: [Int], windows: Int? = nil, batchSize: Int = 64, time: Int? = nil) -> Double {
        let time = time ?? config.blockSize
        let available = tokens.count - time - 1
        guard available > 0 else { return .nan }
        var offsets = Array(Swift.stride(from: 0, to: available, by: time))
        if let windows { offsets = Array(offsets.prefix(windows)) }
        let tape = Tape()
        var total = 0.0
        for start in Swift.stride(from: 0, to: offsets.count, by: batchSize) {
            let chunk = offsets[start..<Swift.min(start + batchSize, offsets.count)]
            let inputs = chunk.flatMap { tokens[$0..<($0 + time)] }
            let targets = chunk.flatMap { tokens[($0 + 1)..<($0 + time + 1)] }
            var context = ForwardContext.evaluation
            let mean = tape.withoutGrad {
                self(inputs, batch: chunk.count, time: time, targets: targets, tape: tape, context: &context).loss!.value.item
            }
            tape.reset()
            total += Double(mean) * Double(chunk.count * time)
        }
        return total / Double(offsets.count * time)
    }
}

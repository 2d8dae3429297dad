// Batch: random training windows from a token stream, nanoGPT's `get_batch`.
//
//   i ~ uniform(0 ..< n − T)           one start per row, B rows
//   x = tokens[i ..< i+T]              [B, T] inputs
//   y = tokens[i+1 ..< i+T+1]          [B, T] targets: the next token at every position

import Tapestry

/// B windows of T tokens and their next-token targets, both row-major [B, T].
public struct Batch: Equatable, Sendable {
    public let inputs: [Int]
    public let targets: [Int]
    public let batchSize: Int
    public let time: Int

    /// Draws `batchSize` random windows of `time` tokens from `tokens` using `generator`.
    /// Requires `tokens.count > time`.
    public static func sample(from tokens: [Int], batchSize: Int, time: Int,
                              generator: inout RandomGenerator) -> Batch {
        let inputs = IndexBuffer(), targets = IndexBuffer()
        sample(from: tokens, batchSize: batchSize, time: time, generator: &generator, into: inputs, targets: targets)
        return Batch(inputs: inputs.values, targets: targets.values, batchSize: batchSize, time: time)
    }

    /// Draws the same windows as `sample` (the same draws from `generator`) into `inputs` and
    /// `targets`, replacing their contents in place: a trainer that replays its recorded step
    /// refills the buffers the recording reads, and allocates nothing once they are full size.
    public static func sample(from tokens: [Int], batchSize: Int, time: Int, generator: inout RandomGenerator,
                              into inputs: IndexBuffer, targets: IndexBuffer) {
        precondition(tokens.count > time, "Batch.sample: need more than \(time) tokens, have \(tokens.count)")
        inputs.values.removeAll(keepingCapacity: true)
        targets.values.removeAll(keepingCapacity: true)
        inputs.values.reserveCapacity(batchSize * time)
        targets.values.reserveCapacity(batchSize * time)
        for _ in 0..<batchSize {
            let start = generator.nextInt(below: tokens.count - time)
            inputs.values += tokens[start..<(start + time)]
            targets.values += tokens[(start + 1)..<(start + time + 1)]
        }
    }
}

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
        precondition(tokens.count > time, "Batch.sample: need more than \(time) tokens, have \(tokens.count)")
        var inputs: [Int] = [], targets: [Int] = []
        inputs.reserveCapacity(batchSize * time)
        targets.reserveCapacity(batchSize * time)
        for _ in 0..<batchSize {
            let start = generator.nextInt(below: tokens.count - time)
            inputs += tokens[start..<(start + time)]
            targets += tokens[(start + 1)..<(start + time + 1)]
        }
        return Batch(inputs: inputs, targets: targets, batchSize: batchSize, time: time)
    }
}

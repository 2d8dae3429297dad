// LearningRateSchedule: linear warmup, then cosine decay to a floor (nanoGPT's `get_lr`).
//
//   it < warmup:           lr = max · (it + 1) / (warmup + 1)
//   it > decay:            lr = min
//   otherwise:             r  = (it − warmup) / (decay − warmup)            in [0, 1]
//                          lr = min + ½·(1 + cos(π·r)) · (max − min)
//
// Why warmup: AdamW's second-moment estimate is poor for the first steps, and a full-size step
// then can throw the weights far off. Why cosine: big steps while the loss falls fast, small
// ones at the end to settle. What it is not: a stateful scheduler; it is a pure function of
// the iteration, so a resumed run gets the same rates without saving anything.
// Lesson: notebooks-md/09-training.md

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// nanoGPT's learning-rate schedule: linear warmup, cosine decay, then constant `min`.
///
/// ```swift
/// let schedule = LearningRateSchedule(warmupIterations: 100, decayIterations: 5000,
///                                     maxLearningRate: 1e-3, minLearningRate: 1e-4)
/// schedule(0)      // 1e-3 · 1/101
/// schedule(2550)   // 5.5e-4, half way down the cosine
/// schedule(9999)   // 1e-4
/// ```
public struct LearningRateSchedule: Sendable, Codable, Equatable {
    /// Iterations of linear warmup.
    public var warmupIterations: Int
    /// The iteration at which the cosine reaches `minLearningRate` (nanoGPT: lr_decay_iters).
    public var decayIterations: Int
    /// The peak rate, reached at the end of warmup.
    public var maxLearningRate: Float
    /// The floor, from `decayIterations` on.
    public var minLearningRate: Float

    public init(warmupIterations: Int, decayIterations: Int, maxLearningRate: Float, minLearningRate: Float) {
        self.warmupIterations = warmupIterations
        self.decayIterations = decayIterations
        self.maxLearningRate = maxLearningRate
        self.minLearningRate = minLearningRate
    }

    /// The learning rate at `iteration` (0-based), computed in Double and rounded once.
    public func callAsFunction(_ iteration: Int) -> Float {
        let maxRate = Double(maxLearningRate), minRate = Double(minLearningRate)
        if iteration < warmupIterations {
            return Float(maxRate * Double(iteration + 1) / Double(warmupIterations + 1))
        }
        if iteration > decayIterations { return minLearningRate }
        // With no decay phase (decay <= warmup) the ratio would be 0/0: start of the cosine.
        let span = decayIterations - warmupIterations
        let ratio = span > 0 ? Double(iteration - warmupIterations) / Double(span) : 0
        let coefficient = 0.5 * (1 + cos(Double.pi * ratio))            // 1 → 0
        return Float(minRate + coefficient * (maxRate - minRate))
    }
}

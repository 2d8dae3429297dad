// RandomGenerator: Tapestry's own seeded random numbers.
//
// Why not the system generator: the same seed must give the same numbers on every platform
// and every run, because tests and resumed training compare losses bit for bit.
// The generator is SplitMix64 (Steele, Lea & Flood 2014): 64 bits of state, one add and
// three xor-shift-multiplies per number. Its whole state is one UInt64, so a checkpoint can
// store it and resume the exact same stream.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded SplitMix64 generator. Conforms to `RandomNumberGenerator`, so it also drives
/// `Int.random(in:using:)` and `shuffled(using:)`.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The whole state. Saving it and restoring it replays the same stream.
    public var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform Float in [low, high).
    public mutating func uniform(_ low: Float = 0, _ high: Float = 1) -> Float {
        let u = Float(next() >> 40) * 0x1p-24           // 24 random bits, exactly representable
        return low + (high - low) * u
    }

    /// A uniform integer in `0..<bound` (bound > 0), without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "RandomGenerator.nextInt: bound must be positive, got \(bound)")
        return Int(next(upperBound: UInt64(bound)))
    }

    /// A standard normal sample N(0, 1) by the Box–Muller transform, computed in Double and
    /// rounded to Float. (The Double libm calls are accurate to well under a Float ulp, so the
    /// Float result is the same on every platform.)
    public mutating func normal() -> Float {
        let u1 = 1.0 - nextUnitDouble()                  // in (0, 1], so log is finite
        let u2 = nextUnitDouble()
        return Float(sqrt(-2.0 * log(u1)) * cos(2.0 * Double.pi * u2))
    }

    /// A generator for a derived stream, e.g. `(seed, step)` for a dropout mask, so that the
    /// numbers do not depend on how many were drawn before.
    public static func derived(seed: UInt64, stream: UInt64) -> RandomGenerator {
        var mixer = RandomGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return RandomGenerator(seed: mixer.next())
    }
}

extension Tensor {
    /// Samples from N(mean, std²), drawn in row-major order from `generator`.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                                    using generator: inout RandomGenerator) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = mean + std * generator.normal() }
        }
        return t
    }

    /// Samples from U[low, high), drawn in row-major order from `generator`.
    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                                     using generator: inout RandomGenerator) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = generator.uniform(low, high) }
        }
        return t
    }
}

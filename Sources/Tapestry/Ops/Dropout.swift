// Dropout: during training, zero each element with probability p and scale the survivors.
//
// Inverted dropout: kept elements are multiplied by 1/(1 − p), so the expected value of each
// element is unchanged and evaluation needs no rescaling: at evaluation (or p = 0) dropout is
// the identity, and this op returns its input without recording anything.
//   mask[i] = 0 with probability p, else 1/(1 − p)        y = x ⊙ mask        dx = dy ⊙ mask
// The mask is drawn from the caller's generator, one uniform number per element in row-major
// order, and saved for backward. Passing the generator explicitly (derived from the seed and the
// step, see `RandomGenerator.derived`) keeps training reproducible; there is no hidden global RNG.
// A replayed recording (Tape.replay) draws a new mask from a shared `RandomStream` instead.
//
// What this is not: dropout on whole channels or attention heads (Dropout2d), or a fused kernel.

extension Variable {
    /// Inverted dropout: each element is zeroed with probability `probability` and the rest are
    /// scaled by `1/(1 − probability)`. The identity when `training` is false or the probability
    /// is 0 (then nothing is drawn from `generator` and nothing is recorded).
    public func dropout(probability: Float, training: Bool, generator: inout RandomGenerator) -> Variable {
        let stream = RandomStream(generator)
        defer { generator = stream.generator }
        return dropout(probability: probability, training: training, stream: stream)
    }

    /// The same dropout, drawing its mask from `stream` whenever it runs: a replayed recording
    /// (Tape.replay) draws a fresh mask from wherever the stream is then, so a caller that
    /// re-seeds the stream before each replay gets exactly the masks a new recording would.
    public func dropout(probability: Float, training: Bool, stream: RandomStream) -> Variable {
        precondition(probability >= 0 && probability <= 1,
                     "dropout: probability must be in 0...1, got \(probability)")
        guard training && probability > 0 else { return self }
        let x = self
        let count = x.value.count
        // Keep scale 1/(1 − p); at p = 1 everything is dropped and the scale is irrelevant.
        let keptScale: Float = probability < 1 ? 1 / (1 - probability) : 0
        let mask = tape.allocate(x.shape)                                   // 0 or 1/(1 − p)
        let y = tape.allocate(x.shape)
        let xp = x.value.pointer, yp = y.storage.pointer
        func forward() {
            let mp = mask.storage.pointer
            var generator = stream.generator                                // (a local copy: fast)
            for i in 0..<count {
                mp[i] = generator.uniform() < probability ? 0 : keptScale
            }
            stream.generator = generator
            for i in 0..<count { yp[i] = xp[i] * mp[i] }
        }
        forward()

        return tape.record("dropout", inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }
            let mp = mask.pointer
            for i in 0..<count { dx[i] = dx[i].addingProduct(dy[i], mp[i]) }   // d(x·m)/dx = m
        }
    }
}

/// A random generator shared by reference: ops that draw from it while recording draw from it
/// again when replayed (see `Tape.replay`), the way they read weights and token ids.
public final class RandomStream {
    /// The generator's current state; the next draw starts here.
    public var generator: RandomGenerator

    public init(_ generator: RandomGenerator) {
        self.generator = generator
    }
}

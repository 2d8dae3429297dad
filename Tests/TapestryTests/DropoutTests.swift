// Dropout: identity at evaluation, inverted scaling, reproducible masks, gradient check.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct DropoutTests {
    @Test func identityWhenNotTrainingOrZeroProbability() {
        let tape = Tape()
        let x = tape.variable(Tensor([1, 2, 3]))
        var generator = RandomGenerator(seed: 1)
        let evaluation = x.dropout(probability: 0.5, training: false, generator: &generator)
        let zero = x.dropout(probability: 0, training: true, generator: &generator)
        #expect(evaluation.slot == x.slot && zero.slot == x.slot)
        #expect(tape.nodeCount == 0)                                      // nothing recorded
        #expect(generator == RandomGenerator(seed: 1))                    // nothing drawn
    }

    @Test func keptValuesAreScaledAndAboutPAreDropped() {
        let tape = Tape()
        let x = tape.constant(Tensor(ones: [100, 100]))
        var generator = RandomGenerator(seed: 2)
        let y = x.dropout(probability: 0.25, training: true, generator: &generator).value
        let dropped = y.scalars.filter { $0 == 0 }.count
        #expect(y.scalars.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) <= 1e-6 })
        #expect(abs(Float(dropped) / 10_000 - 0.25) < 0.02, "dropped \(dropped) of 10000")
    }

    @Test func sameSeedSameMaskAndBackwardUsesIt() {
        let tape = Tape()
        let x = tape.variable(Tensor(repeating: 2, shape: [8, 8]))
        var first = RandomGenerator(seed: 3), second = RandomGenerator(seed: 3)
        let a = x.dropout(probability: 0.5, training: true, generator: &first)
        let b = x.dropout(probability: 0.5, training: true, generator: &second)
        #expect(a.value == b.value)
        tape.backward(a, seed: Tensor(ones: [8, 8]))
        // dx = mask: 2 (= 1/(1 − 0.5)) where kept, 0 where dropped, i.e. y / x.
        #expect(tape.gradient(of: x)!.scalars == a.value.scalars.map { $0 / 2 })
    }

    @Test func gradCheckWithFixedSeed() {
        var generator = RandomGenerator(seed: 61)
        let x = Tensor.randomNormal([4, 9], using: &generator)
        let result = gradCheck("dropout", inputs: [x]) { _, v in
            var masks = RandomGenerator(seed: 62)                           // the same mask on every call
            return v[0].dropout(probability: 0.3, training: true, generator: &masks)
        }
        #expect(result.passed, "\(result)")
    }
}

// Cross-entropy: PyTorch loss and gradient, ln V at uniform logits, stability, gradient check.

import Foundation
import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct CrossEntropyTests {
    let fixture = NNOpsFixture.shared.crossEntropy
    let tolerance = NNOpsFixture.shared.tolerance

    @Test func lossAndGradientMatchPyTorch() {
        let tape = Tape()
        let logits = tape.variable(Tensor(shape: fixture.shape, scalars: fixture.logits))   // [2, 3, 11]
        let loss = logits.crossEntropy(targets: fixture.targets)
        #expect(loss.shape == [])
        #expect(abs(loss.value.item - fixture.loss) <= tolerance.value, "loss \(loss.value.item) vs torch \(fixture.loss)")
        tape.backward(loss)
        let difference = maxAbsDifference(tape.gradient(of: logits)!, Tensor(shape: fixture.shape, scalars: fixture.gradient))
        #expect(difference <= tolerance.gradient, "max |dlogits − torch| = \(difference)")
    }

    @Test(arguments: [2, 65, 97])
    func uniformLogitsGiveLogOfVocabularySize(vocabulary: Int) {
        // Every class has probability 1/V, so −log p = ln V for every row.
        let tape = Tape()
        let logits = tape.constant(Tensor(repeating: 0.25, shape: [6, vocabulary]))
        let loss = logits.crossEntropy(targets: (0..<6).map { $0 % vocabulary }).value.item
        #expect(abs(loss - Float(log(Double(vocabulary)))) <= 1e-5, "loss \(loss), ln V = \(log(Double(vocabulary)))")
    }

    @Test func hugeLogitsStayFinite() {
        // The target's probability underflows to 0 in Float; log-sum-exp keeps the loss exact.
        let tape = Tape()
        let logits = tape.constant(Tensor([[1000, 0, -1000], [0, 0, 500]]))
        let loss = logits.crossEntropy(targets: [2, 2]).value.item
        #expect(abs(loss - 1000) <= 1e-3, "loss \(loss)")           // (2000 + 0) / 2
    }

    @Test func gradCheckWithRespectToLogits() {
        var generator = RandomGenerator(seed: 21)
        let logits = Tensor.randomNormal([3, 2, 17], std: 2, using: &generator)
        let targets = [0, 16, 3, 3, 9, 1]
        let result = gradCheck("crossEntropy", inputs: [logits]) { _, v in v[0].crossEntropy(targets: targets) }
        #expect(result.passed, "\(result)")
    }

    @Test func outOfRangeTargetIsNamed() {
        #expect(throws: ShapeError(op: "crossEntropy", "target 70 at row 3 is out of range 0..<65",
                                   file: "Train.swift", line: 12)) {
            try Shapes.requireIndices([1, 2, 3, 70, 4], count: 5, below: 65, "target", at: "row",
                                      op: "crossEntropy", file: "Train.swift", line: 12)
        }
        #expect(throws: ShapeError.self) {
            try Shapes.requireIndices([1, -1], count: 2, below: 65, "target", at: "row", op: "crossEntropy")
        }
        #expect(throws: ShapeError.self) {
            try Shapes.requireIndices([1, 2], count: 3, below: 65, "target", at: "row", op: "crossEntropy")
        }
    }
}

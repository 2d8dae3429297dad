// Embedding: row lookup, scatter-add backward with repeated ids, gradient check.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct EmbeddingTests {
    @Test func forwardPicksRows() {
        let tape = Tape()
        let table = tape.constant(Tensor([[0, 0], [1, 1], [2, 2]]))                  // [V=3, C=2]
        let out = table.embedding([2, 0, 1, 2], shape: [2, 2])
        #expect(out.shape == [2, 2, 2])                                               // [B, T, C]
        #expect(out.value.scalars == [2, 2, 0, 0, 1, 1, 2, 2])
    }

    @Test func repeatedIdsAccumulate() {
        let tape = Tape()
        let table = tape.variable(Tensor(zeros: [4, 3]))
        let out = table.embedding([1, 3, 1, 1], shape: [4])
        tape.backward(out, seed: Tensor([[1, 2, 3], [4, 5, 6], [10, 20, 30], [100, 200, 300]]))
        #expect(tape.gradient(of: table)!.scalars == [0, 0, 0,          // id 0 unused
                                                      111, 222, 333,    // id 1 at positions 0, 2, 3
                                                      0, 0, 0,
                                                      4, 5, 6])         // id 3 at position 1
    }

    @Test func gradCheckWithRepeatedIds() {
        var generator = RandomGenerator(seed: 51)
        let table = Tensor.randomNormal([7, 5], using: &generator)
        let ids = [3, 0, 3, 6, 3, 1]
        let result = gradCheck("embedding", inputs: [table]) { _, v in v[0].embedding(ids, shape: [2, 3]) }
        #expect(result.passed, "\(result)")
    }

    @Test func outOfRangeIdIsNamed() {
        #expect(throws: ShapeError(op: "embedding", "id 9 at position 2 is out of range 0..<7",
                                   file: "Model.swift", line: 3)) {
            try Shapes.requireIndices([0, 1, 9], count: 3, below: 7, "id", at: "position",
                                      op: "embedding", file: "Model.swift", line: 3)
        }
    }
}

// OpFLOPs and the profiler's FLOP columns: the formulas checked against counts done by hand
// (and, for causal attention, by counting the visible keys one query at a time).

import Testing
@testable import Tapestry

@Suite struct OpFLOPsTests {
    func operand(_ shape: [Int], _ needsGradient: Bool = true) -> OpOperand {
        OpOperand(shape: shape, needsGradient: needsGradient)
    }

    @Test func linearCountsTwoFLOPsPerMultiplyAddAndTheBias() {
        // x [2, 3, 4] → N = 6 rows, in 4, out 5: the product is 6·4·5 = 120 multiply-adds.
        let inside = OpFLOPs.cost(op: "linear", inputs: [operand([2, 3, 4]), operand([5, 4]), operand([5])], output: [2, 3, 5])
        #expect(inside == OpCost(forward: 240 + 30, backward: 240 + 240 + 30))
        // First layer: the input needs no gradient, so backward skips dx.
        let first = OpFLOPs.cost(op: "linear", inputs: [operand([6, 4], false), operand([5, 4]), operand([5])], output: [6, 5])
        #expect(first == OpCost(forward: 270, backward: 270))
        // No bias (the tied GPT head).
        let head = OpFLOPs.cost(op: "linear", inputs: [operand([6, 4]), operand([5, 4])], output: [6, 5])
        #expect(head == OpCost(forward: 240, backward: 480))
    }

    @Test func matmulCountsEachBatchItem() {
        // [2, 3, 4] · [2, 4, 5]: 2 items of 3·4·5 = 60 multiply-adds.
        let cost = OpFLOPs.cost(op: "matmul", inputs: [operand([2, 3, 4]), operand([2, 4, 5], false)], output: [2, 3, 5])
        #expect(cost == OpCost(forward: 240, backward: 240))
    }

    @Test func causalPairsEqualTheVisibleKeysCountedOneByOne() {
        for (queries, keys) in [(1, 1), (4, 4), (16, 16), (1, 9), (3, 7), (64, 64)] {
            var visible = 0
            for i in 0..<queries { visible += keys - queries + i + 1 }     // query i sees keys 0...(Tk − Tq + i)
            #expect(OpFLOPs.attentionPairs(queries: queries, keys: keys, causal: true) == Double(visible))
            #expect(OpFLOPs.attentionPairs(queries: queries, keys: keys, causal: false) == Double(queries * keys))
        }
    }

    @Test func attentionCountsTwoProductsForwardAndFourBackward() {
        // B 2, T 4, C 8: causal pairs 4·5/2 = 10; each product is 2·B·P·C = 320 FLOPs.
        let inputs = [operand([2, 4, 8]), operand([2, 4, 8]), operand([2, 4, 8])]
        let causal = OpFLOPs.cost(op: "scaledDotProductAttention", inputs: inputs, output: [2, 4, 8])
        #expect(causal == OpCost(forward: 640, backward: 1280))
        let full = OpFLOPs.cost(op: "scaledDotProductAttention", inputs: inputs, output: [2, 4, 8], causalAttention: false)
        #expect(full == OpCost(forward: 4 * 2 * 16 * 8, backward: 8 * 2 * 16 * 8))
        // Only V needs a gradient: dV = Wᵀ·dO alone.
        let onlyValue = [operand([2, 4, 8], false), operand([2, 4, 8], false), operand([2, 4, 8])]
        #expect(OpFLOPs.cost(op: "scaledDotProductAttention", inputs: onlyValue, output: [2, 4, 8])?.backward == 320)
    }

    @Test func elementwiseIsNominalAndDataMovementIsNotCounted() {
        #expect(OpFLOPs.cost(op: "gelu", inputs: [operand([3, 5])], output: [3, 5]) == OpCost(forward: 15, backward: 15))
        // Broadcast add: a [3, 5] + b [5] (no gradient for b).
        #expect(OpFLOPs.cost(op: "add", inputs: [operand([3, 5]), operand([5], false)], output: [3, 5])
                == OpCost(forward: 15, backward: 15))
        // Cross-entropy: a scalar output; the logits are the largest operand.
        #expect(OpFLOPs.cost(op: "crossEntropy", inputs: [operand([4, 7])], output: []) == OpCost(forward: 28, backward: 28))
        #expect(OpFLOPs.cost(op: "reshaped", inputs: [operand([3, 5])], output: [15]) == nil)
        #expect(OpFLOPs.cost(op: "embedding", inputs: [operand([10, 4])], output: [2, 3, 4]) == nil)
        #expect(OpFLOPs.cost(op: "someFutureOp", inputs: [operand([3])], output: [3]) == nil)
    }

    @Test func theProfilerChargesBackwardFLOPsOnlyWhenBackwardRuns() {
        let tape = Tape()
        let profiler = OpProfiler()
        tape.profiler = profiler
        var generator = RandomGenerator(seed: 3)
        let x = tape.variable(Tensor.randomNormal([6, 4], using: &generator))
        let weight = tape.variable(Tensor.randomNormal([5, 4], using: &generator))
        let bias = tape.variable(Tensor(zeros: [5]))
        let loss = x.linear(weight: weight, bias: bias).sum()
        _ = x.gelu()                                            // a dead branch: no gradient reaches it
        profiler.start()
        tape.backward(loss)
        let linear = profiler.entries["linear"]!, gelu = profiler.entries["gelu"]!
        #expect(linear.forwardFLOPs == 270 && linear.backwardFLOPs == 510)
        #expect(gelu.forwardFLOPs == 24 && gelu.backwardCalls == 0 && gelu.backwardFLOPs == 0)
        #expect(profiler.entries["sum"]!.hasFLOPs)
        // A second step after reset() charges by the new tape's node indices.
        tape.reset()
        let x2 = tape.variable(x.value), weight2 = tape.variable(weight.value)
        let again = x2.linear(weight: weight2, bias: nil).sum()
        tape.backward(again)
        #expect(profiler.entries["linear"]!.backwardFLOPs == 510 + 480)
    }
}

// Lesson 7: feed-forward, residual connections and LayerNorm (notebooks-md/07-feed-forward-layernorm.md).

import ExerciseSolutions
import Tapestry
import TapestryGPT
import Testing

@Suite struct Lesson07FeedForwardTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "07")
    }

    @Test func geluIsASmoothRelu() {
        // lesson: 07-gelu begin
        let tape = Tape()
        let x = tape.constant(Tensor([-3, -1, -0.5, 0, 0.5, 1, 3]))
        let gelu = x.gelu()                             // x · Φ(x), Φ = the normal distribution's CDF
        let relu = x.relu()                             // max(0, x)
        // lesson: 07-gelu end
        LessonBook.pin("07-gelu", gelu.value.scalars)
        LessonBook.pin("07-relu", relu.value.scalars)
    }

    @Test func theMLPWorksOnEachPositionAlone() {
        // lesson: 07-mlp begin
        let config = GPTConfig(blockSize: 8, vocabSize: 10, nLayer: 1, nHead: 2, nEmbd: 8)
        var generator = RandomGenerator(seed: 7)
        let mlp = MLP(name: "mlp", config: config, generator: &generator)          // C → 4C → C
        let tape = Tape()
        var context = ForwardContext.evaluation
        let x = Tensor.randomNormal([1, 3, 8], using: &generator)                  // [B, T, C]
        var changed = x
        changed.withUnsafeMutableBufferPointer { for c in 0..<8 { $0[2 * 8 + c] = 0 } }   // token 2 replaced
        let before = mlp(tape.constant(x), context: &context)
        let after = mlp(tape.constant(changed), context: &context)
        // lesson: 07-mlp end
        var firstTwo: Float = 0, third: Float = 0
        for t in 0..<3 { for c in 0..<8 {
            let d = abs(before.value[0, t, c] - after.value[0, t, c])
            if t < 2 { firstTwo = max(firstTwo, d) } else { third = max(third, d) }
        } }
        #expect(firstTwo == 0 && third > 0)
        LessonBook.pin("07-mlp-unchanged", firstTwo)
        LessonBook.pin("07-mlp-changed", third)
        LessonBook.pin("07-mlp-parameters", text: mlp.parameters.map { "\($0.name) \($0.value.shape)" }.joined(separator: "\n"))
    }

    @Test func layerNormCentresAndScalesEachRow() {
        // lesson: 07-layernorm begin
        let tape = Tape()
        let x = tape.variable(Tensor([[1, 2, 3, 4],
                                      [10, 20, 30, 40],
                                      [-5, 0, 0, 5]]))                          // [N, C]: three rows
        let weight = tape.constant(Tensor(ones: [4]))                           // γ, learned; starts at 1
        let bias = tape.constant(Tensor(zeros: [4]))                            // β, learned; starts at 0
        let y = x.layerNorm(weight: weight, bias: bias)
        // lesson: 07-layernorm end
        LessonBook.pin("07-layernorm", text: "\(y.value)")

        // lesson: 07-ln-backward begin
        var generator = RandomGenerator(seed: 77)
        tape.backward(y, seed: Tensor.randomNormal([3, 4], using: &generator))  // any upstream gradient
        let dx = tape.gradient(of: x)!                                          // [N, C]
        let rowSums = (0..<3).map { i in (0..<4).reduce(Float(0)) { $0 + dx[i, $1] } }
        // lesson: 07-ln-backward end
        LessonBook.pin("07-dx", text: "\(dx)")
        LessonBook.pin("07-dx-row-sums", rowSums)
        for s in rowSums { #expect(abs(s) < 1e-5) }

        // The reference answer to exercise 7.1 gives the tape's dx, row by row.
        var seedGenerator = RandomGenerator(seed: 77)
        let seed = Tensor.randomNormal([3, 4], using: &seedGenerator)
        for i in 0..<3 {
            let row = (0..<4).map { x.value[i, $0] }, dy = (0..<4).map { seed[i, $0] }
            let mine = try! ExerciseSolutions.layerNormBackward(x: row, weight: [1, 1, 1, 1], outputGradient: dy, epsilon: 1e-5)
            for j in 0..<4 { #expect(abs(mine[j] - dx[i, j]) < 1e-4) }
        }
        // And the gradient check agrees with the fused backward.
        let check = gradCheck("layerNorm", inputs: [x.value, Tensor([1, 0.5, 2, 1]), Tensor([0, 0.1, 0, -0.1])]) { _, v in
            v[0].layerNorm(weight: v[1], bias: v[2])
        }
        #expect(check.passed, "\(check)")
    }

    @Test func residualConnectionsKeepTheGradientAlive() {
        // lesson: 07-residual begin
        func inputGradientNorm(layers: Int, residual: Bool) -> Float {
            var generator = RandomGenerator(seed: 777)
            let tape = Tape()
            let x = tape.variable(Tensor.randomNormal([4, 16], using: &generator))        // [N, C]
            var h = x
            for _ in 0..<layers {
                let w = tape.constant(Tensor.randomNormal([16, 16], std: 0.1, using: &generator))
                let f = h.linear(weight: w, bias: nil).tanh()                            // one small layer
                h = residual ? h + f : f                                                 // x + f(x), or f(x)
            }
            tape.backward(h.sum())
            let g = tape.gradient(of: x)!
            return (g * g).scalars.reduce(0, +).squareRoot()                             // ‖∂L/∂x‖
        }
        let plain = [1, 10, 30].map { inputGradientNorm(layers: $0, residual: false) }
        let withResidual = [1, 10, 30].map { inputGradientNorm(layers: $0, residual: true) }
        // lesson: 07-residual end
        LessonBook.pin("07-plain", plain)
        LessonBook.pin("07-residual", withResidual)
        #expect(plain[2] < 1e-6 && withResidual[2] > 1)
    }

    @Test func theBlockIsTwoResidualBranches() {
        // lesson: 07-block begin
        let config = GPTConfig(blockSize: 8, vocabSize: 10, nLayer: 1, nHead: 2, nEmbd: 8)
        var generator = RandomGenerator(seed: 7777)
        let block = Block(name: "transformer.h.0", config: config, generator: &generator)
        let tape = Tape()
        var context = ForwardContext.evaluation
        let x = tape.constant(Tensor.randomNormal([2, 5, 8], using: &generator))   // [B, T, C]
        let y = block(x, context: &context).output                                 // [B, T, C]
        // lesson: 07-block end
        #expect(y.shape == [2, 5, 8])
        LessonBook.pin("07-block-parameters", block.parameters.count)
        LessonBook.pin("07-block-scalars", block.parameters.scalarCount)
    }
}

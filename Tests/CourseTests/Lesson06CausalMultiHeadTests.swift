// Lesson 6: causal masking and multi-head attention (notebooks-md/06-causal-multi-head.md).

import ExerciseSolutions
import Tapestry
import TapestryGPT
import Testing

@Suite struct Lesson06CausalMultiHeadTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "06")
    }

    @Test func withoutAMaskTheFutureLeaksIntoThePast() {
        // lesson: 06-leak begin
        var generator = RandomGenerator(seed: 6)
        let tape = Tape()
        let x = Tensor.randomNormal([1, 5, 8], using: &generator)                 // [B, T, C], 5 tokens
        var changed = x                                                            // the same, but token 4
        changed.withUnsafeMutableBufferPointer { for c in 0..<8 { $0[4 * 8 + c] += 1 } }   // is different
        func firstOutput(_ x: Tensor, causal: Bool) -> [Float] {                  // what token 0 computes
            let v = tape.constant(x)
            let out = Variable.scaledDotProductAttention(query: v, key: v, value: v, heads: 1, causal: causal).output
            return (0..<8).map { out.value[0, 0, $0] }
        }
        let leak = zip(firstOutput(x, causal: false), firstOutput(changed, causal: false)).map { abs($0 - $1) }.max()!
        let noLeak = zip(firstOutput(x, causal: true), firstOutput(changed, causal: true)).map { abs($0 - $1) }.max()!
        // lesson: 06-leak end
        #expect(leak > 0.01)
        #expect(noLeak == 0)
        LessonBook.pin("06-leak", leak)
        LessonBook.pin("06-no-leak", noLeak)
    }

    @Test func theMaskIsMinusInfinityAboveTheDiagonal() {
        // lesson: 06-mask begin
        let tape = Tape()
        let scores = tape.constant(Tensor([[0.5, 1.0, -0.3, 2.0],
                                           [1.5, 0.2, 0.7, -1.0],
                                           [0.1, 0.4, 0.9, 0.3],
                                           [-0.2, 1.1, 0.6, 0.8]]))                // [T, T]: query i, key j
        let masked = scores.causalMask()                                          // −∞ where j > i
        let weights = masked.softmax()                                            // e^(−∞) = 0
        // lesson: 06-mask end
        LessonBook.pin("06-masked", text: "\(masked.value)")
        LessonBook.pin("06-masked-weights", text: "\(weights.value)")
        for i in 0..<4 { for j in 0..<4 where j > i { #expect(weights.value[i, j] == 0) } }
        // Exercise 6.1's reference masks the same entries.
        let rows = (0..<4).map { i in (0..<4).map { scores.value[i, $0] } }
        let reference = try! ExerciseSolutions.causalMask(rows)
        #expect(reference.flatMap { $0 } == masked.value.scalars)
    }

    @Test func headsAreSlicesOfTheChannels() throws {
        // lesson: 06-heads begin
        var generator = RandomGenerator(seed: 66)
        let tape = Tape()
        let (b, t, c, heads) = (1, 5, 8, 2)
        let hs = c / heads                                                        // head size 4
        func random() -> Variable { tape.constant(Tensor.randomNormal([b, t, c], using: &generator)) }
        let (q, k, v) = (random(), random(), random())                            // [B, T, C]
        func split(_ x: Variable) -> Variable {                                   // [B, T, C] -> [B, nh, T, hs]
            x.reshaped([b, t, heads, hs]).permuted([0, 2, 1, 3])
        }
        let scores = split(q).matmul(split(k).transposed(2, 3)) * (1 / Float(hs).squareRoot())   // [B, nh, T, T]
        let weights = scores.causalMask().softmax()
        let perHead = weights.matmul(split(v))                                    // [B, nh, T, hs]
        let merged = perHead.permuted([0, 2, 1, 3]).reshaped([b, t, c])           // back to [B, T, C]
        let fused = Variable.scaledDotProductAttention(query: q, key: k, value: v, heads: heads, causal: true)
        // lesson: 06-heads end
        LessonBook.pin("06-shapes", text: "\(split(q).shape) \(scores.shape) \(merged.shape)")
        #expect(merged.value.isClose(to: fused.output.value, tolerance: 1e-5))
        #expect(weights.value.isClose(to: fused.weights, tolerance: 1e-5))
        // Exercise 6.2's reference splits the same way as reshape + permute.
        let rows = (0..<t).map { i in (0..<c).map { q.value[0, i, $0] } }
        let byHand = try ExerciseSolutions.splitHeads(rows, heads: heads)
        #expect(byHand.flatMap { $0.flatMap { $0 } } == split(q).value.scalars)
    }

    @Test func theGPTAttentionModule() {
        // lesson: 06-module begin
        let config = GPTConfig(blockSize: 8, vocabSize: 10, nLayer: 1, nHead: 2, nEmbd: 8)
        var generator = RandomGenerator(seed: 666)
        let attention = CausalSelfAttention(name: "attn", config: config, generator: &generator)
        let tape = Tape()
        var context = ForwardContext.evaluation
        let x = tape.constant(Tensor.randomNormal([1, 6, 8], using: &generator))   // [B, T, C]
        let (y, weights) = attention(x, context: &context)                         // [B, T, C], [B, nh, T, T]
        // lesson: 06-module end
        LessonBook.pin("06-module-shapes", text: "\(y.shape) \(weights.shape)")
        LessonBook.pin("06-module-parameters", text: attention.parameters.map { "\($0.name) \($0.value.shape)" }.joined(separator: "\n"))
        for h in 0..<2 { for i in 0..<6 { for j in (i + 1)..<6 { #expect(weights[0, h, i, j] == 0) } } }
    }
}

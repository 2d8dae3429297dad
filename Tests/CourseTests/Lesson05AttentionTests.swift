// Lesson 5: scaled dot-product attention and why we divide by √d_k (notebooks-md/05-attention.md).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExerciseSolutions
import Tapestry
import Testing

@Suite struct Lesson05AttentionTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "05")
    }

    @Test func softmaxMustSubtractTheMaximum() {
        // lesson: 05-overflow begin
        let logits: [Float] = [1000, 1001, 1002]
        let naive = logits.map { expf($0) }                  // e¹⁰⁰⁰ does not fit in a Float
        let tape = Tape()
        let stable = tape.constant(Tensor(logits)).softmax() // exp(x − max x): the largest term is e⁰ = 1
        // lesson: 05-overflow end
        LessonBook.pin("05-naive", text: "\(naive)")
        LessonBook.pin("05-stable", stable.value.scalars)
        LessonBook.pin("05-float-max-exp", logf(Float.greatestFiniteMagnitude))
        #expect(naive.allSatisfy { $0.isInfinite })
    }

    @Test func attentionOpByOpEqualsTheFusedKernel() {
        // lesson: 05-by-ops begin
        var generator = RandomGenerator(seed: 5)
        let tape = Tape()
        let (t, c, d) = (4, 8, 8)                                                  // 4 tokens, C = d_k = 8
        let x = tape.constant(Tensor.randomNormal([t, c], using: &generator))      // [T, C] token vectors
        func projection() -> Variable { tape.variable(Tensor.randomNormal([d, c], std: 0.5, using: &generator)) }
        let (wq, wk, wv) = (projection(), projection(), projection())              // [d, C] each, learned
        let q = x.linear(weight: wq, bias: nil)                                    // [T, d] what each token looks for
        let k = x.linear(weight: wk, bias: nil)                                    // [T, d] what each token offers
        let v = x.linear(weight: wv, bias: nil)                                    // [T, d] what it passes on
        let scores = q.matmul(k.transposed(0, 1)) * (1 / Float(d).squareRoot())    // [T, T] = Q·Kᵀ/√d
        let weights = scores.softmax()                                             // each row sums to 1
        let out = weights.matmul(v)                                                // [T, d] = weights · V
        // lesson: 05-by-ops end
        LessonBook.pin("05-weights", text: "\(weights.value)")

        // lesson: 05-fused begin
        let fused = Variable.scaledDotProductAttention(query: q.reshaped([1, t, d]), key: k.reshaped([1, t, d]),
                                                       value: v.reshaped([1, t, d]), heads: 1, causal: false)
        // lesson: 05-fused end
        var gap: Float = 0
        for i in 0..<(t * d) { gap = max(gap, abs(fused.output.value[flat: i] - out.value[flat: i])) }
        #expect(gap < 1e-5)
        #expect(fused.weights.reshaped([t, t]).isClose(to: weights.value, tolerance: 1e-5))

        // The gradients agree too: backward through the ops and through the fused kernel.
        tape.backward(out.sum())
        let byOps = [wq, wk, wv].map { tape.gradient(of: $0)! }
        let tape2 = Tape()
        let x2 = tape2.constant(x.value)
        let w2 = [wq, wk, wv].map { tape2.variable($0.value) }
        let qkv = w2.map { x2.linear(weight: $0, bias: nil).reshaped([1, t, d]) }
        let fused2 = Variable.scaledDotProductAttention(query: qkv[0], key: qkv[1], value: qkv[2], heads: 1, causal: false)
        tape2.backward(fused2.output.sum())
        for (a, w) in zip(byOps, w2) { #expect(a.isClose(to: tape2.gradient(of: w)!, tolerance: 1e-4)) }
    }

    @Test func dotProductsGrowLikeTheSquareRootOfTheDimension() {
        // lesson: 05-variance begin
        var generator = RandomGenerator(seed: 55)
        let tape = Tape()
        var spread: [Float] = []
        for d in [4, 64, 512] {
            let q = tape.constant(Tensor.randomNormal([2000, d], using: &generator))   // 2000 random queries
            let k = tape.constant(Tensor.randomNormal([2000, d], using: &generator))   // and keys, entries ~ N(0, 1)
            let dots = (q * k).sum(axis: 1)                                           // [2000]: one q·k per pair
            spread.append((dots * dots).mean().sqrt().value.item)                     // standard deviation (mean is 0)
        }
        // lesson: 05-variance end
        LessonBook.pin("05-spread", spread)
    }

    @Test func withoutTheScaleTheSoftmaxSaturates() {
        // lesson: 05-saturation begin
        var generator = RandomGenerator(seed: 555)
        let d = 64
        let tape = Tape()
        let q = tape.constant(Tensor.randomNormal([16, d], using: &generator))
        let k = tape.constant(Tensor.randomNormal([16, d], using: &generator))
        let raw = tape.variable(q.matmul(k.transposed(0, 1)).value)                // [16, 16] unscaled q·k
        let sharp = raw.softmax()                                                  // softmax(q·k)
        let smooth = (raw * (1 / Float(d).squareRoot())).softmax()                 // softmax(q·k/√d)
        // lesson: 05-saturation end
        func meanRowMaximum(_ w: Tensor) -> Float {
            (0..<16).map { i in (0..<16).map { w[i, $0] }.max()! }.reduce(0, +) / 16
        }
        LessonBook.pin("05-row-max", [meanRowMaximum(sharp.value), meanRowMaximum(smooth.value)])
        // Gradient reaching the softmax's input, for the same random upstream gradient.
        var upstreamGenerator = RandomGenerator(seed: 5555)
        let upstream = Tensor.randomNormal([16, 16], using: &upstreamGenerator)
        func meanGradient(scale: Float) -> Float {
            let t = Tape()
            let s = t.variable(Tensor(shape: [16, 16], scalars: raw.value.scalars.map { $0 * scale }))
            t.backward(s.softmax(), seed: upstream)
            return t.gradient(of: s)!.scalars.map { abs($0) }.reduce(0, +) / 256
        }
        LessonBook.pin("05-score-gradient", [meanGradient(scale: 1), meanGradient(scale: 1 / Float(d).squareRoot())])
        #expect(meanGradient(scale: 1) < meanGradient(scale: 1 / 8) / 2)
    }

    @Test func referenceAnswersMatchTheLibrary() throws {
        let tape = Tape()
        let logits: [Float] = [3, -1, 0.5, 2]
        let expected = tape.constant(Tensor(logits)).softmax().value.scalars
        let got = try ExerciseSolutions.stableSoftmax(logits)
        for i in logits.indices { #expect(abs(got[i] - expected[i]) < 1e-6) }
    }
}

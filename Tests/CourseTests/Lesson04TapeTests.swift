// Lesson 4: the tape, autograd by hand and then with Tapestry (notebooks-md/04-the-tape.md).

import ExerciseSolutions
import Foundation
import Tapestry
import Testing

@Suite struct Lesson04TapeTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "04")
    }

    @Test func backpropagationByHandAndOnTheTape() throws {
        // lesson: 04-by-hand begin
        let (a, b, c, f): (Float, Float, Float, Float) = (2, -3, 10, -2)
        // forward, one named step at a time
        let e = a * b                  // -6
        let d = e + c                  //  4
        let L = d * f                  // -8
        // backward: the same steps in reverse, each multiplying by its local derivative
        let dL_dL: Float = 1
        let dL_dd = dL_dL * f          // ∂(d·f)/∂d = f
        let dL_df = dL_dL * d          // ∂(d·f)/∂f = d
        let dL_de = dL_dd * 1          // ∂(e + c)/∂e = 1
        let dL_dc = dL_dd * 1          // ∂(e + c)/∂c = 1
        let dL_da = dL_de * b          // ∂(a·b)/∂a = b
        let dL_db = dL_de * a          // ∂(a·b)/∂b = a
        // lesson: 04-by-hand end
        LessonBook.pin("04-by-hand", [L, dL_da, dL_db, dL_dc, dL_df])

        // lesson: 04-tape begin
        let tape = Tape()
        let va = tape.variable(Tensor(a)), vb = tape.variable(Tensor(b))
        let vc = tape.variable(Tensor(c)), vf = tape.variable(Tensor(f))
        let loss = (va * vb + vc) * vf
        tape.backward(loss)
        let gradients = [va, vb, vc, vf].map { tape.gradient(of: $0)!.item }   // ∂L/∂a, ∂L/∂b, ∂L/∂c, ∂L/∂f
        // lesson: 04-tape end
        #expect(gradients == [dL_da, dL_db, dL_dc, dL_df])
        #expect(loss.value.item == L)
        LessonBook.pin("04-tape-gradients", gradients)
        LessonBook.pin("04-recorded-ops", text: "\(tape.recordedOps)")
    }

    @Test func aValueUsedTwiceGetsTheSumOfItsGradients() {
        // lesson: 04-fan-out begin
        let tape = Tape()
        let x = tape.variable(Tensor([1, 2, 3]))
        let y = (x * x).sum()                        // y = Σ x², both factors are x
        tape.backward(y)
        let gradient = tape.gradient(of: x)!         // 2x: x·1 from each use, added
        // lesson: 04-fan-out end
        LessonBook.pin("04-fan-out", gradient.scalars)
    }

    @Test func walkingTheTapeBackward() {
        // lesson: 04-visit begin
        let tape = Tape()
        let x = tape.variable(Tensor([0.5, -1]))
        let loss = (x.tanh() * x).sum()
        var log: [String] = []
        tape.backward(loss) { entry, outputGradient in
            log.append("\(entry.index): \(entry.op), gradient of its output \(outputGradient.scalars)")
            return true                              // false would stop here, like a breakpoint
        }
        // lesson: 04-visit end
        LessonBook.pin("04-visit", text: log.joined(separator: "\n"))
        LessonBook.pin("04-visit-gradient", tape.gradient(of: x)!.scalars)
    }

    @Test func writingAnOpOfYourOwn() {
        // lesson: 04-cube begin
        func cube(_ x: Variable) -> Variable {
            var y = Tensor(uninitializedShape: x.shape)
            y.withUnsafeMutableBufferPointer { out in                      // forward: y = x³
                for i in 0..<out.count { let v = x.value[flat: i]; out[i] = v * v * v }
            }
            return x.tape.record("cube", inputs: [x], output: y) { dy in   // backward: dx += dy · 3x²
                guard let dx = x.tape.gradientPointer(x) else { return }   // nil: x needs no gradient
                for i in 0..<x.value.count { let v = x.value[flat: i]; dx[i] += dy[i] * 3 * v * v }
            }
        }
        // lesson: 04-cube end

        // lesson: 04-gradcheck begin
        let result = gradCheck("cube", inputs: [Tensor([0.5, -1.5, 2])]) { tape, x in cube(x[0]) }
        // lesson: 04-gradcheck end
        #expect(result.passed, "\(result)")
        LessonBook.pin("04-gradcheck-passed", text: "\(result.passed)")

        // The same check catches a wrong backward: 2x² instead of 3x².
        let wrong = gradCheck("cube", inputs: [Tensor([0.5, -1.5, 2])]) { tape, x in
            let v = x[0]
            let y = Tensor(shape: v.shape, scalars: v.value.scalars.map { $0 * $0 * $0 })
            return tape.record("cube", inputs: [v], output: y) { dy in
                guard let dx = tape.gradientPointer(v) else { return }
                for i in 0..<v.value.count { dx[i] += dy[i] * 2 * v.value[flat: i] * v.value[flat: i] }
            }
        }
        #expect(!wrong.passed)
    }

    @Test func aRecordedStepReplaysOnANewBatch() {
        // lesson: 04-replay begin
        let tape = Tape()
        let table = Parameter("table", Tensor([[0, 1], [2, 0]]))     // 2 tokens, 2 classes
        let ids = IndexBuffer([0, 1]), targets = IndexBuffer([1, 1])
        let loss = tape.parameter(table).embedding(ids, shape: [2]).crossEntropy(targets: targets)
        let first = loss.value.item
        ids.values = [1, 1]                  // the next batch, written into the same buffer
        tape.replay()                        // each op's forward again, on the same buffers
        let second = loss.value.item         // the loss of the new batch
        // lesson: 04-replay end
        // By hand: row [0, 1] against class 1 costs log(1 + e) − 1, row [2, 0] costs log(e² + 1).
        let rowA = log(1 + exp(Float(1))) - 1, rowB = log(exp(Float(2)) + 1)
        #expect(abs(first - (rowA + rowB) / 2) < 1e-6)
        #expect(abs(second - rowB) < 1e-6)
        #expect(tape.nodeCount == 2)                                  // nothing new recorded
        LessonBook.pin("04-replay", [first, second])
    }

    @Test func theReferenceAnswersAgreeWithTheTape() throws {
        // Exercise 4.1's function, f = tanh(a·b + a), on the tape: the reference must match.
        let tape = Tape()
        let a = tape.variable(Tensor(0.5)), b = tape.variable(Tensor(-1.5))
        tape.backward((a * b + a).tanh())
        let byHand = try ExerciseSolutions.tanhExpressionGradients(a: 0.5, b: -1.5)
        #expect(abs(byHand.da - tape.gradient(of: a)!.item) < 1e-6)
        #expect(abs(byHand.db - tape.gradient(of: b)!.item) < 1e-6)
        // Exercise 4.2's op passes the same gradient check as cube.
        let check = gradCheck("sigmoid", inputs: [Tensor([-2, 0, 0.5, 3])]) { _, x in try! ExerciseSolutions.sigmoid(x[0]) }
        #expect(check.passed, "\(check)")
    }
}

// Tests of + - * / with broadcasting: hand-computed forwards, gradient checks (including
// every broadcasting pattern), fan-out, no-grad, and reset/reuse of the tape's memory.

import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct ArithmeticTests {
    private func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.randomUniform(shape, low: low, high: high, using: &generator)
    }

    // MARK: Forward values

    @Test func addBroadcastsARowVectorOverRows() {
        let tape = Tape()
        let x = tape.constant(Tensor([[1, 2, 3], [4, 5, 6]]))          // [2, 3]
        let b = tape.constant(Tensor([10, 20, 30]))                     // [3]
        #expect((x + b).value == Tensor([[11, 22, 33], [14, 25, 36]]))
        #expect((b - x).value == Tensor([[9, 18, 27], [6, 15, 24]]))
    }

    @Test func multiplyBroadcastsBothOperands() {
        // [2, 1, 2] * [3, 1] -> [2, 3, 2]: out[i, j, k] = a[i, 0, k] * b[j, 0]
        let tape = Tape()
        let a = tape.constant(Tensor([[[1, 2]], [[3, 4]]]))
        let b = tape.constant(Tensor([[1], [10], [100]]))
        let y = a * b
        #expect(y.shape == [2, 3, 2])
        #expect(y.value.scalars == [1, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400])
    }

    @Test func divideAndScalarForms() {
        let tape = Tape()
        let x = tape.constant(Tensor([[2, 4], [6, 8]]))
        let s = tape.constant(Tensor(2))                                // shape []
        #expect((x / s).value == Tensor([[1, 2], [3, 4]]))
        #expect((s / x).value == Tensor([[1, 0.5], [Float(2) / 6, 0.25]]))
        #expect((x + 1).value == Tensor([[3, 5], [7, 9]]))
        #expect((1 - x).value == Tensor([[-1, -3], [-5, -7]]))
        #expect((x * 0.5).value == Tensor([[1, 2], [3, 4]]))
        #expect((8 / x).value == Tensor([[4, 2], [Float(8) / 6, 1]]))
        #expect((x / 4).value == Tensor([[0.5, 1], [1.5, 2]]))
        #expect((-x).value == Tensor([[-2, -4], [-6, -8]]))
        #expect((s + s).shape == [])
    }

    @Test func tensorOperatorsMatchTheVariableOps() {
        let a = random([4, 1, 3], seed: 1), b = random([2, 1], seed: 2, low: 1, high: 2)
        let tape = Tape()
        let (va, vb) = (tape.constant(a), tape.constant(b))
        #expect((a + b) == (va + vb).value)
        #expect((a - b) == (va - vb).value)
        #expect((a * b) == (va * vb).value)
        #expect((a / b) == (va / vb).value)
        #expect((a + b)[3, 1, 2] == a[3, 0, 2] + b[1, 0])
    }

    // MARK: Gradient checks

    @Test func gradientsOfEqualShapes() {
        let inputs = [random([3, 4], seed: 3), random([3, 4], seed: 4, low: 0.5, high: 2)]
        for (name, op) in [("add", { (a: Variable, b: Variable) in a + b }), ("subtract", { $0 - $1 }),
                           ("multiply", { $0 * $1 }), ("divide", { $0 / $1 })] {
            let result = gradCheck(name, inputs: inputs) { _, v in op(v[0], v[1]) }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func gradientOfRowVectorBroadcast() {
        // [2, 3] + [3]: the vector's gradient is the column sum of dy.
        let result = gradCheck("add [2,3]+[3]", inputs: [random([2, 3], seed: 5), random([3], seed: 6)]) { _, v in
            v[0] + v[1]
        }
        #expect(result.passed, "\(result)")
        let reversed = gradCheck("subtract [3]-[2,3]", inputs: [random([3], seed: 7), random([2, 3], seed: 8)]) { _, v in
            v[0] - v[1]
        }
        #expect(reversed.passed, "\(reversed)")
    }

    @Test func gradientOfTwoSidedBroadcast() {
        // [4, 1, 3] * [2, 1] -> [4, 2, 3]: each operand is repeated along a different axis.
        let result = gradCheck("multiply [4,1,3]*[2,1]", inputs: [random([4, 1, 3], seed: 9), random([2, 1], seed: 10)]) { _, v in
            v[0] * v[1]
        }
        #expect(result.passed, "\(result)")
    }

    @Test func gradientOfScalarShapedBroadcast() {
        let inputs = [random([], seed: 11, low: 0.5, high: 1.5), random([2, 3], seed: 12, low: 0.5, high: 1.5)]
        for (name, op) in [("add", { (a: Variable, b: Variable) in a + b }), ("subtract", { $0 - $1 }),
                           ("multiply", { $0 * $1 }), ("divide", { $0 / $1 })] {
            let forward = gradCheck("\(name) []·[2,3]", inputs: inputs) { _, v in op(v[0], v[1]) }
            #expect(forward.passed, "\(forward)")
            let backward = gradCheck("\(name) [2,3]·[]", inputs: inputs.reversed()) { _, v in op(v[0], v[1]) }
            #expect(backward.passed, "\(backward)")
        }
    }

    @Test func gradientOfBroadcastOverLongRows() {
        // Rows of 40 and 50 elements run the 16-lane partial sums of the broadcast backward.
        let perRow = gradCheck("multiply [3,40]*[3,1]", inputs: [random([3, 40], seed: 23), random([3, 1], seed: 24)]) { _, v in
            v[0] * v[1]
        }
        #expect(perRow.passed, "\(perRow)")
        let scalar = gradCheck("add []+[50]", inputs: [random([], seed: 25), random([50], seed: 26)]) { _, v in v[0] + v[1] }
        #expect(scalar.passed, "\(scalar)")
    }

    @Test func gradientOfBroadcastDivision() {
        // [2, 3] / [2, 1] (a per-row divisor) and [3] / [4, 1, 3].
        let perRow = gradCheck("divide [2,3]/[2,1]", inputs: [random([2, 3], seed: 13), random([2, 1], seed: 14, low: 1, high: 2)]) { _, v in
            v[0] / v[1]
        }
        #expect(perRow.passed, "\(perRow)")
        let inverse = gradCheck("divide [3]/[4,1,3]", inputs: [random([3], seed: 15), random([4, 1, 3], seed: 16, low: -2, high: -1)]) { _, v in
            v[0] / v[1]
        }
        #expect(inverse.passed, "\(inverse)")
    }

    @Test func gradientsOfFloatConstantForms() {
        let x = [random([2, 3], seed: 17, low: 0.5, high: 2)]
        let forms: [(String, (Variable) -> Variable)] = [
            ("x + 2", { $0 + 2 }), ("2 + x", { 2 + $0 }), ("x - 2", { $0 - 2 }), ("2 - x", { 2 - $0 }),
            ("x * 3", { $0 * 3 }), ("3 * x", { 3 * $0 }), ("x / 4", { $0 / 4 }), ("3 / x", { 3 / $0 }), ("-x", { -$0 }),
        ]
        for (name, op) in forms {
            let result = gradCheck(name, inputs: x) { _, v in op(v[0]) }
            #expect(result.passed, "\(result)")
        }
    }

    // MARK: Tape behaviour

    @Test func fanOutSumsTheGradients() {
        let tape = Tape()
        let x = tape.variable(Tensor([1, -2, 3]))
        tape.backward((x * x).sum())                                    // d(x²)/dx = 2x
        #expect(tape.gradient(of: x) == Tensor([2, -4, 6]))

        let tape2 = Tape()
        let z = tape2.variable(Tensor([1, -2, 3]))
        tape2.backward((z + z * z).sum())                               // d(z + z²)/dz = 1 + 2z
        #expect(tape2.gradient(of: z) == Tensor([3, -3, 7]))
    }

    @Test func nothingIsRecordedWithoutGrad() {
        let tape = Tape()
        let y = tape.withoutGrad {
            let a = tape.variable(Tensor([[1, 2], [3, 4]]))
            let b = tape.variable(Tensor([1, 1]))
            return ((a + b) * a - a / b).sum()
        }
        #expect(tape.nodeCount == 0)
        #expect(y.value.item == 30)                                    // (2·1 + 3·2 + 4·3 + 5·4) - (1 + 2 + 3 + 4)
        let c = tape.constant(Tensor([[1, 2]]))
        _ = (c * c + c).matmul(tape.constant(Tensor([[1], [2]])))           // constants only
        #expect(tape.nodeCount == 0)
    }

    @Test func resetReusesMemoryAndRepeatsTheStep() {
        let x = random([3, 4], seed: 18), w = random([4, 5], seed: 19), b = random([5], seed: 20)
        let tape = Tape()
        func step() -> (loss: Float, gradient: [Float]) {
            let vx = tape.variable(x), vw = tape.variable(w), vb = tape.variable(b)
            let hidden = (vx.matmul(vw) + vb).tanh()                    // [3, 5]
            let loss = (hidden * hidden - hidden / 2).mean()
            tape.backward(loss)
            return (loss.value.item, tape.gradient(of: vw)!.scalars)
        }
        let first = step()
        let bytes = tape.pooledBytes
        tape.reset()
        let second = step()
        #expect(tape.pooledBytes == bytes)
        #expect(first.loss == second.loss)
        #expect(first.gradient == second.gradient)
        tape.reset()
        _ = step()
        #expect(tape.pooledBytes == bytes)
    }

    @Test func namedFormsEqualTheOperators() {
        let tape = Tape()
        let a = tape.constant(random([2, 3], seed: 21)), b = tape.constant(random([3], seed: 22, low: 1, high: 2))
        #expect(a.add(b).value == (a + b).value)
        #expect(a.subtract(b).value == (a - b).value)
        #expect(a.multiply(b).value == (a * b).value)
        #expect(a.divide(b).value == (a / b).value)
    }
}

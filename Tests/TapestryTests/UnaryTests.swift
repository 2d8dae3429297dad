// Tests of the elementwise functions: values against libm, gradients against finite
// differences.

import Foundation
import Testing
@testable import Tapestry
import TapestryTestSupport

@Suite struct UnaryTests {
    private func random(_ shape: [Int], seed: UInt64, low: Float, high: Float) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.randomUniform(shape, low: low, high: high, using: &generator)
    }

    @Test func forwardValues() {
        let tape = Tape()
        let x = tape.constant(Tensor([0.25, 1, 4]))
        #expect(x.exp().value.isClose(to: Tensor([1.2840254, 2.7182817, 54.59815]), tolerance: 5e-5))
        #expect(x.log().value.isClose(to: Tensor([-1.3862944, 0, 1.3862944]), tolerance: 1e-6))
        #expect(x.tanh().value.isClose(to: Tensor([0.24491866, 0.7615942, 0.9993293]), tolerance: 1e-6))
        #expect(x.sqrt().value == Tensor([0.5, 1, 2]))
        #expect(x.squared().value == Tensor([0.0625, 1, 16]))
        #expect(x.pow(1.5).value.isClose(to: Tensor([0.125, 1, 8]), tolerance: 1e-6))
        #expect(tape.constant(Tensor([-2, 0, 3])).relu().value == Tensor([0, 0, 3]))
    }

    @Test func gradientsOnAnyReals() {
        let x = [random([3, 5], seed: 1, low: -2, high: 2)]
        let ops: [(String, (Variable) -> Variable)] = [
            ("exp", { $0.exp() }), ("tanh", { $0.tanh() }), ("squared", { $0.squared() }), ("pow 3", { $0.pow(3) }),
        ]
        for (name, op) in ops {
            let result = gradCheck(name, inputs: x) { _, v in op(v[0]) }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func gradientsOnPositiveReals() {
        let x = [random([3, 5], seed: 2, low: 0.5, high: 3)]
        let ops: [(String, (Variable) -> Variable)] = [
            ("log", { $0.log() }), ("sqrt", { $0.sqrt() }), ("pow 0.5", { $0.pow(0.5) }), ("pow -1.5", { $0.pow(-1.5) }),
        ]
        for (name, op) in ops {
            let result = gradCheck(name, inputs: x) { _, v in op(v[0]) }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func reluGradientAwayFromTheKink() {
        // Values at least 0.1 from 0, so the finite difference never straddles the kink.
        let x = Tensor([-1.5, -0.1, 0.1, 0.7, -0.3, 2])
        let result = gradCheck("relu", inputs: [x]) { _, v in v[0].relu() }
        #expect(result.passed, "\(result)")
        let tape = Tape()
        let v = tape.variable(x)
        tape.backward(v.relu().sum())
        #expect(tape.gradient(of: v) == Tensor([0, 0, 1, 1, 0, 1]))
    }

    @Test func chainOfUnaryOps() {
        // log(exp(x)) = x, so its gradient is 1 everywhere: the two backward rules must cancel.
        let tape = Tape()
        let x = tape.variable(Tensor([-1, 0, 2]))
        tape.backward(x.exp().log().sum())
        #expect(tape.gradient(of: x)!.isClose(to: Tensor([1, 1, 1]), tolerance: 1e-6))
    }
}

// Every op that hands `record` its forward closure must recompute, when replayed, exactly what
// a fresh call computes on the inputs' new values: the output, and (through backward) every
// input's gradient. One case per op, like the gradient checks (GradCheckTests).

import Testing
@testable import Tapestry
import TapestryTestSupport

/// One op applied to parameters of the given shapes (positive values where the op needs them).
struct ReplayCase: CustomStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    var positive = false
    let apply: @Sendable (_ inputs: [Variable]) -> Variable
    var description: String { name }

    static let all: [ReplayCase] = [
        ReplayCase(name: "exp", shapes: [[3, 5]]) { $0[0].exp() },
        ReplayCase(name: "log", shapes: [[3, 5]], positive: true) { $0[0].log() },
        ReplayCase(name: "tanh", shapes: [[3, 5]]) { $0[0].tanh() },
        ReplayCase(name: "relu", shapes: [[3, 5]]) { $0[0].relu() },
        ReplayCase(name: "sqrt", shapes: [[3, 5]], positive: true) { $0[0].sqrt() },
        ReplayCase(name: "squared", shapes: [[3, 5]]) { $0[0].squared() },
        ReplayCase(name: "pow", shapes: [[3, 5]], positive: true) { $0[0].pow(1.5) },
        ReplayCase(name: "x + c, c - x, x * c, c / x", shapes: [[4]], positive: true) { v in
            ((v[0] + 2) * 3).subtract(1 - v[0]) + 1 / v[0]
        },
        ReplayCase(name: "add, subtract, multiply, divide (broadcast)", shapes: [[2, 3], [3], [2, 1]], positive: true) { v in
            (v[0] + v[1]) * v[2] - v[1] / v[2]
        },
        ReplayCase(name: "matmul", shapes: [[2, 3, 4], [4, 5]]) { $0[0].matmul($0[1]) },
        ReplayCase(name: "linear", shapes: [[2, 3, 4], [5, 4], [5]]) { $0[0].linear(weight: $0[1], bias: $0[2]) },
        ReplayCase(name: "softmax", shapes: [[3, 7]]) { $0[0].softmax() },
        ReplayCase(name: "logSoftmax", shapes: [[3, 7]]) { $0[0].logSoftmax() },
        ReplayCase(name: "causalMask", shapes: [[2, 3, 3]]) { $0[0].causalMask() },
        ReplayCase(name: "sum, mean", shapes: [[3, 4]]) { v in v[0].sum(axis: 1) * v[0].mean() + v[0].mean(axis: 0).sum() },
        ReplayCase(name: "max", shapes: [[3, 4]]) { $0[0].max(axis: 1) },
        ReplayCase(name: "concatenate, sliced", shapes: [[2, 3], [2, 2]]) { v in
            Variable.concatenate([v[0], v[1]], axis: 1).sliced(axis: 1, 1..<4)
        },
        ReplayCase(name: "permuted, reshaped", shapes: [[2, 3, 4]]) { $0[0].permuted([2, 0, 1]).reshaped([4, 6]) },
        ReplayCase(name: "layerNorm", shapes: [[3, 8], [8], [8]]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) },
        ReplayCase(name: "gelu", shapes: [[3, 8]]) { $0[0].gelu() },
        ReplayCase(name: "gelu tanh", shapes: [[3, 8]]) { $0[0].gelu(approximation: .tanh) },
        ReplayCase(name: "rotary", shapes: [[2, 3, 8]]) { $0[0].rotated(by: RotaryTable(positions: 0..<3, headSize: 4), heads: 2) },
        ReplayCase(name: "attention (q, k, v)", shapes: [[2, 5, 8], [2, 5, 8], [2, 5, 8]]) { v in
            Variable.scaledDotProductAttention(query: v[0], key: v[1], value: v[2], heads: 2, causal: true).output
        },
        ReplayCase(name: "attention (packed, ALiBi)", shapes: [[2, 5, 24]]) { v in
            Variable.scaledDotProductAttention(packedQKV: v[0], heads: 2, causal: true, alibiSlopes: [0.5, 0.25]).output
        },
    ]
}

@Suite struct OpReplayTests {
    @Test(arguments: ReplayCase.all) func aReplayedOpEqualsAFreshCall(_ op: ReplayCase) {
        var g = RandomGenerator(seed: 11)
        func values(_ shape: [Int]) -> Tensor {
            let t = Tensor.randomNormal(shape, using: &g)
            return op.positive ? Tensor(shape: shape, scalars: t.scalars.map { abs($0) + 0.5 }) : t
        }
        let parameters = op.shapes.enumerated().map { Parameter("input\($0.offset)", values($0.element)) }
        let tape = Tape()
        let recorded = op.apply(parameters.map(tape.parameter))
        #expect(tape.isReplayable, "\(op) recorded an op without a forward closure: \(tape.recordedOps)")
        let seed = Tensor.randomNormal(recorded.shape, using: &g)

        // New values, written in place as an optimizer does; then replay against a fresh call.
        for p in parameters {
            let fresh = values(p.value.shape)
            p.valuePointer.update(from: fresh.pointer, count: p.count)
        }
        parameters.zeroGrad()
        tape.replay()
        tape.backward(recorded, seed: seed)
        let replayedOutput = recorded.value.scalars, replayedGradients = parameters.map(\.grad.scalars)

        parameters.zeroGrad()
        let fresh = Tape()
        let expected = op.apply(parameters.map(fresh.parameter))
        fresh.backward(expected, seed: seed)
        #expect(replayedOutput == expected.value.scalars, "\(op): the replayed output differs")
        #expect(replayedGradients == parameters.map(\.grad.scalars), "\(op): the gradients after a replay differ")
        #expect(replayedOutput != Self.outputOnFirstValues(op), "\(op): the new values did not change the output")
    }

    /// The op's output on the first draw of values (seed 11), to show the test changed something.
    static func outputOnFirstValues(_ op: ReplayCase) -> [Float] {
        var g = RandomGenerator(seed: 11)
        let tape = Tape()
        let inputs = op.shapes.map { shape -> Variable in
            let t = Tensor.randomNormal(shape, using: &g)
            return tape.constant(op.positive ? Tensor(shape: shape, scalars: t.scalars.map { abs($0) + 0.5 }) : t)
        }
        return withExtendedLifetime(tape) { op.apply(inputs).value.scalars }   // (Variables hold it unowned)
    }

    @Test func dropoutDrawsAFreshMaskFromItsStreamOnEachReplay() {
        // Same stream state, same mask: a replay after re-seeding equals a fresh recording;
        // without re-seeding, the stream has moved on and the mask differs.
        let p = Parameter("x", Tensor(shape: [64], scalars: (0..<64).map { Float($0) + 1 }))
        let stream = RandomStream(RandomGenerator(seed: 3))
        let tape = Tape()
        let recorded = tape.parameter(p).dropout(probability: 0.5, training: true, stream: stream)
        let first = recorded.value.scalars
        #expect(tape.isReplayable)
        stream.generator = RandomGenerator(seed: 9)
        tape.replay()
        let replayed = recorded.value.scalars
        let other = Tape()
        let expected = withExtendedLifetime(other) {
            other.parameter(p).dropout(probability: 0.5, training: true, stream: RandomStream(RandomGenerator(seed: 9))).value.scalars
        }
        #expect(replayed == expected)
        #expect(replayed != first)
        #expect(Set(replayed.enumerated().map { $0.element == 0 ? 0 : $0.element / Float($0.offset + 1) }) == [0, 2])
    }
}

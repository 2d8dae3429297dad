// AdamW against torch.optim.AdamW (a committed fixture), decoupled weight decay by rank, and
// an exact resume from exported state.

import Foundation
import Testing
import Tapestry
import TapestryNN
import TapestryTestSupport

/// Fixtures/adamw.json, written by Fixtures/make_adamw_fixture.py.
struct AdamWFixture: Decodable {
    struct Step: Decodable {
        let learningRate: Double
        let gradients: [String: [Double]]
        let valuesAfter: [String: [Double]]
    }
    let beta1, beta2, epsilon, weightDecay: Double
    let order: [String]
    let shapes: [String: [Int]]
    let initial: [String: [Double]]
    let steps: [Step]
    let finalState: [String: [Double]]

    static func load() throws -> AdamWFixture {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/adamw.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(AdamWFixture.self, from: Data(contentsOf: url))
    }

    func tensor(_ name: String, _ values: [Double]) -> Tensor {
        Tensor(shape: shapes[name]!, scalars: values.map(Float.init))
    }
}

/// Copies `values` into the parameter's gradient buffer.
func setGradient(_ parameter: Parameter, _ values: Tensor) {
    parameter.gradientPointer.update(from: values.pointer, count: parameter.count)
}

@Suite struct AdamWTests {
    @Test func matchesPyTorchAdamWForFiveSteps() throws {
        let fixture = try AdamWFixture.load()
        let parameters = fixture.order.map { Parameter($0, fixture.tensor($0, fixture.initial[$0]!)) }
        let optimizer = AdamW(parameters: parameters, beta1: Float(fixture.beta1), beta2: Float(fixture.beta2),
                              epsilon: Float(fixture.epsilon), weightDecay: Float(fixture.weightDecay))
        var worst: Float = 0
        for (index, step) in fixture.steps.enumerated() {
            for parameter in parameters {
                setGradient(parameter, fixture.tensor(parameter.name, step.gradients[parameter.name]!))
            }
            optimizer.step(learningRate: Float(step.learningRate))
            for parameter in parameters {
                let expected = fixture.tensor(parameter.name, step.valuesAfter[parameter.name]!)
                let difference = maxAbsDifference(parameter.value, expected)
                worst = max(worst, difference)
                #expect(difference <= 1e-6, "step \(index + 1), \(parameter.name): max |Δ| = \(difference)")
            }
        }
        #expect(optimizer.stepCount == fixture.steps.count)
        let state = optimizer.state()
        #expect(state.count == 2 * parameters.count)
        for (key, values) in fixture.finalState {
            let name = key.replacingOccurrences(of: ".exp_avg_sq", with: "").replacingOccurrences(of: ".exp_avg", with: "")
            let difference = maxAbsDifference(state[key] ?? Tensor(0), fixture.tensor(name, values))
            #expect(difference <= 1e-6, "\(key): max |Δ| = \(difference)")
        }
        print("AdamW vs PyTorch: max |Δ| over 5 steps = \(worst)")
    }

    @Test func weightDecayOnlyShrinksMatricesWhenGradientIsZero() {
        // g = 0 keeps m = v = 0, so the Adam part adds exactly 0 and only the decay acts:
        // a matrix becomes p·(1 − lr·λ); a vector (bias) stays as it is.
        let matrix = Parameter("m", Tensor([[1, -2], [3, 4]]))
        let vector = Parameter("v", Tensor([5, -6, 7]))
        let optimizer = AdamW(parameters: [matrix, vector], weightDecay: 0.1)
        optimizer.step(learningRate: 0.5)
        let factor = Float(1 - 0.5 * 0.1)
        #expect(matrix.value.scalars == [1, -2, 3, 4].map { $0 * factor })
        #expect(vector.value.scalars == [5, -6, 7])
    }

    @Test func firstStepMovesEachWeightByLearningRate() {
        // At t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g): Adam's
        // well-known first step, independent of the gradient's scale.
        let p = Parameter("p", Tensor([0, 0, 0]))
        setGradient(p, Tensor([0.1, -20, 4]))
        let optimizer = AdamW(parameters: [p], weightDecay: 0)
        optimizer.step(learningRate: 0.01)
        #expect(p.value.isClose(to: Tensor([-0.01, 0.01, -0.01]), tolerance: 1e-7))
    }

    @Test func exportedStateResumesBitForBit() throws {
        var generator = RandomGenerator(seed: 7)
        let shapes = [[5, 19], [19], [3, 2, 17]]
        let initial = shapes.map { Tensor.randomNormal($0, using: &generator) }
        let gradients = (0..<6).map { _ in shapes.map { Tensor.randomNormal($0, using: &generator) } }
        func makeParameters() -> [Parameter] {
            initial.enumerated().map { Parameter("p\($0.offset)", $0.element) }
        }
        func copies(of parameters: [Parameter]) -> [Parameter] {
            parameters.map { Parameter($0.name, Tensor(shape: $0.value.shape, scalars: $0.value.scalars)) }
        }
        func run(_ optimizer: AdamW, steps: Range<Int>) {
            for step in steps {
                for (parameter, gradient) in zip(optimizer.parameters, gradients[step]) { setGradient(parameter, gradient) }
                optimizer.step(learningRate: 0.01 * Float(step + 1))
            }
        }
        // Uninterrupted: six steps.
        let straight = AdamW(parameters: makeParameters())
        run(straight, steps: 0..<6)
        // Interrupted after three: copy the values, export, import into a new optimizer, continue.
        let first = AdamW(parameters: makeParameters())
        run(first, steps: 0..<3)
        let resumed = AdamW(parameters: copies(of: first.parameters))
        try resumed.load(state: first.state(), stepCount: first.stepCount)
        run(resumed, steps: 3..<6)
        for (a, b) in zip(straight.parameters, resumed.parameters) { #expect(a.value == b.value, "\(a.name)") }
        // Without the state the continuation differs, so the comparison above can fail.
        let cold = AdamW(parameters: copies(of: first.parameters))
        run(cold, steps: 3..<6)
        #expect(cold.parameters[0].value != straight.parameters[0].value)
    }

    @Test func loadRejectsMissingMisshapenAndUnknownKeysAndChangesNothing() {
        let p = Parameter("fc.weight", Tensor(zeros: [2, 3]))
        let optimizer = AdamW(parameters: [p])
        var state = optimizer.state()
        state["fc.weight.exp_avg"] = Tensor(ones: [3, 2])
        #expect(throws: OptimizerStateError("\"fc.weight.exp_avg\" has shape [3, 2], expected [2, 3]")) {
            try optimizer.load(state: state, stepCount: 4)
        }
        state["fc.weight.exp_avg"] = nil
        #expect(throws: OptimizerStateError("missing \"fc.weight.exp_avg\"")) {
            try optimizer.load(state: state, stepCount: 4)
        }
        state = optimizer.state()
        state["fc.bias.exp_avg"] = Tensor(zeros: [2])
        #expect(throws: OptimizerStateError("unexpected key \"fc.bias.exp_avg\" (no parameter of that name)")) {
            try optimizer.load(state: state, stepCount: 4)
        }
        #expect(optimizer.stepCount == 0)
        #expect(optimizer.state()["fc.weight.exp_avg"] == Tensor(zeros: [2, 3]))
    }

    @Test func stepNeverWritesIntoTheTensorAParameterWasMadeFrom() {
        // The update writes the parameter's buffer in place; Parameter.init copies, so the
        // source tensor keeps its values (Tensor's value semantics hold).
        let source = Tensor([[1, 2], [3, 4]])
        let p = Parameter("p", source)
        setGradient(p, Tensor([[1, 1], [1, 1]]))
        AdamW(parameters: [p]).step(learningRate: 0.1)
        #expect(source == Tensor([[1, 2], [3, 4]]))
        #expect(p.value != source)
    }

    @Test func zeroGradClearsEveryGradient() {
        let a = Parameter("a", Tensor([[1, 2]])), b = Parameter("b", Tensor([3]))
        setGradient(a, Tensor([[4, 5]])); setGradient(b, Tensor([6]))
        AdamW(parameters: [a, b]).zeroGrad()
        #expect(a.grad.scalars == [0, 0] && b.grad.scalars == [0])
    }
}

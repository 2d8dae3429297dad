// The Linear module: parameter names, shapes, both initializations, and its forward/backward
// through the tape. The Module protocol's helpers.

import Testing
import Tapestry
import TapestryNN
import TapestryTestSupport

/// Mean and standard deviation of all elements, in Double.
func meanAndStd(_ t: Tensor) -> (mean: Double, std: Double) {
    let values = t.scalars.map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
}

@Suite struct LinearModuleTests {
    @Test func parametersHaveDottedNamesAndTorchLayout() {
        var generator = RandomGenerator(seed: 1)
        let layer = Linear(name: "transformer.h.0.mlp.c_fc", inputFeatures: 3, outputFeatures: 5, generator: &generator)
        #expect(layer.parameters.map(\.name) == ["transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias"])
        #expect(layer.weight.value.shape == [5, 3])                  // [out, in]
        #expect(layer.bias?.value == Tensor(zeros: [5]))
        #expect(layer.inputFeatures == 3 && layer.outputFeatures == 5 && layer.parameterCount == 20)
        let noBias = Linear(name: "lm_head", inputFeatures: 3, outputFeatures: 5, bias: false, generator: &generator)
        #expect(noBias.parameters.map(\.name) == ["lm_head.weight"])
    }

    @Test func gpt2InitializationHasTheRequestedStd() {
        // 128·256 = 32768 draws: the sample std is within ~0.4% (1σ) of 0.02; allow 3%.
        var generator = RandomGenerator(seed: 2)
        let layer = Linear(name: "fc", inputFeatures: 256, outputFeatures: 128, weightStd: 0.02, generator: &generator)
        let (mean, std) = meanAndStd(layer.weight.value)
        #expect(abs(mean) < 0.02 * 4 / (32768.0).squareRoot())
        #expect(abs(std - 0.02) < 0.02 * 0.03)
    }

    @Test func pytorchDefaultIsUniformWithinOneOverRootFanIn() {
        var generator = RandomGenerator(seed: 3)
        let layer = Linear.pytorchDefault(name: "fc", inputFeatures: 64, outputFeatures: 256, generator: &generator)
        let bound: Float = 1.0 / 8
        #expect(layer.weight.value.scalars.allSatisfy { $0 >= -bound && $0 < bound })
        #expect(layer.bias!.value.scalars.allSatisfy { $0 >= -bound && $0 < bound })
        let (_, std) = meanAndStd(layer.weight.value)                 // U(−k, k) has std k/√3
        #expect(abs(std - Double(bound) / (3.0).squareRoot()) < 0.03 * Double(bound))
    }

    @Test func sameSeedSameWeights() {
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        let a = Linear(name: "a", inputFeatures: 4, outputFeatures: 4, generator: &g1)
        let b = Linear(name: "a", inputFeatures: 4, outputFeatures: 4, generator: &g2)
        #expect(a.weight.value == b.weight.value)
    }

    @Test func callComputesXWTransposePlusBAndBackwardFillsParameterGradients() {
        let layer = Linear(name: "fc", weight: Tensor([[1, 2], [3, 4], [5, 6]]), bias: Tensor([0.5, 0, -1]))
        let tape = Tape()
        let x = tape.constant(Tensor([[1, -1], [2, 0]]))             // [2, 2]
        let y = layer(x)                                              // [2, 3]
        #expect(y.value == Tensor([[-0.5, -1, -2], [2.5, 6, 9]]))
        tape.backward(y, seed: Tensor(ones: [2, 3]))
        #expect(layer.weight.grad == Tensor([[3, -1], [3, -1], [3, -1]]))  // Σ_n x[n, :] per row
        #expect(layer.bias!.grad == Tensor([2, 2, 2]))                      // N = 2 rows
    }
}

@Suite struct ModuleProtocolTests {
    final class TwoLayers: Module {
        let first: Linear, second: Linear
        init(generator: inout RandomGenerator) {
            first = Linear(name: "net.0", inputFeatures: 2, outputFeatures: 3, generator: &generator)
            second = Linear(name: "net.1", inputFeatures: 3, outputFeatures: 1, bias: false, generator: &generator)
        }
        var parameters: [Parameter] { first.parameters + second.parameters }
    }

    @Test func compositeListsParametersInOrderAndFindsThemByName() {
        var generator = RandomGenerator(seed: 4)
        let model = TwoLayers(generator: &generator)
        #expect(model.parameters.map(\.name) == ["net.0.weight", "net.0.bias", "net.1.weight"])
        #expect(model.parameterCount == 6 + 3 + 3)
        #expect(model.parameter(named: "net.1.weight") === model.second.weight)
        #expect(model.parameter(named: "net.2.weight") == nil)
        setGradient(model.first.weight, Tensor(ones: [3, 2]))
        model.zeroGrad()
        #expect(model.first.weight.grad == Tensor(zeros: [3, 2]))
    }
}

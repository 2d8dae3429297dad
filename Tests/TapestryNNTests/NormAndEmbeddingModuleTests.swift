// The LayerNorm and Embedding modules: names, shapes, initialization, and that calling them
// reaches the ops and fills the parameters' gradients.

import Testing
import Tapestry
import TapestryNN
import TapestryTestSupport

@Suite struct LayerNormModuleTests {
    @Test func startsAsAPureNormalization() {
        let norm = LayerNorm(name: "transformer.ln_f", features: 3)
        #expect(norm.parameters.map(\.name) == ["transformer.ln_f.weight", "transformer.ln_f.bias"])
        #expect(norm.weight.value == Tensor(ones: [3]) && norm.bias.value == Tensor(zeros: [3]))
        let tape = Tape()
        let y = norm(tape.constant(Tensor([[1, 2, 3], [10, 10, 10]])))
        // Row 1: mean 2, variance 2/3, so ±1/√(2/3 + 1e-5); row 2 is constant: all 0.
        let expected = Float(1 / (2.0 / 3 + 1e-5).squareRoot())
        #expect(y.value.isClose(to: Tensor([[-expected, 0, expected], [0, 0, 0]]), tolerance: 1e-5))
    }

    @Test func backwardFillsWeightAndBiasGradients() {
        let norm = LayerNorm(name: "ln", features: 3)
        let tape = Tape()
        let y = norm(tape.constant(Tensor([[1, 2, 3]])))
        tape.backward(y, seed: Tensor([[1, 1, 1]]))
        #expect(norm.bias.grad == Tensor([1, 1, 1]))                     // dbias = Σ_rows dy
        #expect(norm.weight.grad.isClose(to: y.value.reshaped([3]), tolerance: 1e-6))  // dweight = Σ dy ⊙ x̂, x̂ = y here
    }
}

@Suite struct EmbeddingModuleTests {
    @Test func tableHasTheRequestedShapeNameAndStd() {
        var generator = RandomGenerator(seed: 5)
        let wte = Embedding(name: "transformer.wte", count: 256, dimensions: 64, generator: &generator)
        #expect(wte.parameters.map(\.name) == ["transformer.wte.weight"])
        #expect(wte.weight.value.shape == [256, 64] && wte.count == 256 && wte.dimensions == 64)
        let (mean, std) = meanAndStd(wte.weight.value)                   // 16384 draws
        #expect(abs(mean) < 0.02 * 4 / (16384.0).squareRoot())
        #expect(abs(std - 0.02) < 0.02 * 0.04)
    }

    @Test func callPicksRowsAndScattersGradientsBack() {
        var generator = RandomGenerator(seed: 6)
        let table = Embedding(name: "wpe", count: 4, dimensions: 2, generator: &generator)
        let tape = Tape()
        let rows = table([3, 0, 3], shape: [1, 3], tape: tape)           // [1, 3, 2]
        #expect(rows.shape == [1, 3, 2])
        #expect(rows.value[0, 1, 1] == table.weight.value[0, 1])
        #expect(rows.value[0, 2, 0] == table.weight.value[3, 0])
        tape.backward(rows, seed: Tensor(ones: [1, 3, 2]))
        #expect(table.weight.grad == Tensor([[1, 1], [0, 0], [0, 0], [2, 2]]))   // id 3 used twice
    }
}

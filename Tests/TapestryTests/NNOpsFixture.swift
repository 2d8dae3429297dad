// NNOpsFixture: PyTorch reference values for the neural-network ops, read from
// Fixtures/nn_ops.json (made by Fixtures/make_nn_ops_fixture.py; the tests never run Python).

import Foundation
import Tapestry

/// The decoded `nn_ops.json`. Arrays are flat, row-major; `shape` gives their shape.
struct NNOpsFixture: Decodable {
    struct Softmax: Decodable { let shape: [Int]; let x, softmax, logSoftmax: [Float] }
    struct CrossEntropy: Decodable {
        let shape: [Int]; let logits: [Float]; let targets: [Int]; let loss: Float; let gradient: [Float]
    }
    struct LayerNorm: Decodable {
        let shape: [Int]; let x, weight, bias: [Float]; let epsilon: Float
        let y, upstream, dx, dweight, dbias: [Float]
    }
    struct GELUCase: Decodable { let y, dx: [Float] }
    struct GELU: Decodable { let x, upstream: [Float]; let exact, tanh: GELUCase }
    struct Attention: Decodable { let shape: [Int]; let heads: Int; let q, k, v, output: [Float] }
    struct Tolerance: Decodable { let value, gradient: Float }

    let softmax: Softmax
    let crossEntropy: CrossEntropy
    let layerNorm: LayerNorm
    let gelu: GELU
    let attention: Attention
    /// Max absolute differences the tests allow against PyTorch (stated in the generator).
    let tolerance: Tolerance

    /// Loaded once per test process.
    static let shared: NNOpsFixture = {
        guard let url = Bundle.module.url(forResource: "nn_ops", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else {
            fatalError("NNOpsFixture: Fixtures/nn_ops.json is missing from the test bundle")
        }
        do { return try JSONDecoder().decode(NNOpsFixture.self, from: data) } catch {
            fatalError("NNOpsFixture: cannot decode nn_ops.json: \(error)")
        }
    }()
}

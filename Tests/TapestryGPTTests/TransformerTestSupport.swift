// Helpers for the encoder and encoder–decoder tests: loading a PyTorch fixture by parameter
// name, comparing with printed max differences (llm.c style), and a finite-difference check of
// a module's parameter gradients (gradCheck covers inputs; parameters live inside modules).

import Foundation
import Testing
import Tapestry
import TapestryNN
import TapestryTestSupport
@testable import TapestryGPT

/// The tensors of a committed fixture.
func loadTransformerFixture(_ name: String) throws -> TensorFile {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"))
    return try readSafeTensors(url.path)
}

/// Copies `tensors[prefix-stripped name]` into every parameter of `module`; each must exist with
/// the parameter's shape.
func loadParameters(_ module: any Module, from tensors: [String: Tensor], stripping prefix: String = "",
                    sourceLocation: SourceLocation = #_sourceLocation) {
    for parameter in module.parameters {
        let key = String(parameter.name.dropFirst(parameter.name.hasPrefix(prefix) ? prefix.count : 0))
        guard let tensor = tensors[key] else {
            Issue.record("fixture has no tensor \(key)", sourceLocation: sourceLocation)
            continue
        }
        #expect(tensor.shape == parameter.value.shape, "\(key)", sourceLocation: sourceLocation)
        if tensor.shape == parameter.value.shape { parameter.load(tensor) }
    }
}

/// Expects max |actual − expected| ≤ absolute + relative · max |expected|, and prints it.
func expectClose(_ actual: Tensor, _ expected: Tensor?, _ what: String, absolute: Float, relative: Float = 0,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let expected else {
        Issue.record("no expected tensor for \(what)", sourceLocation: sourceLocation)
        return
    }
    let difference = maxAbsDifference(actual, expected)
    let scale = expected.scalars.map { abs($0) }.max() ?? 0
    print("reference: \(what) max diff \(difference) (max |expected| \(scale))")
    #expect(difference <= absolute + relative * scale, "\(what): max difference \(difference)",
            sourceLocation: sourceLocation)
}

/// Central finite differences of `loss()` with respect to up to `samples` elements of each
/// parameter, against the gradients `backward` left in `parameter.grad`. `loss` must not record.
/// Returns the worst (name, index, numeric, analytic) that failed, or nil when all agree within
/// `absolute + relative · |numeric|`.
func checkParameterGradients(_ parameters: [Parameter], samples: Int = 12, step: Float = 1e-2,
                             absolute: Double = 2e-3, relative: Double = 2e-2,
                             loss: () -> Double) -> String? {
    var failures: [String] = []
    for parameter in parameters {
        let stride = max(1, parameter.count / samples)
        for index in Swift.stride(from: 0, to: parameter.count, by: stride) {
            let saved = parameter.valuePointer[index]
            parameter.valuePointer[index] = saved + step
            let plus = loss()
            parameter.valuePointer[index] = saved - step
            let minus = loss()
            parameter.valuePointer[index] = saved
            let numeric = (plus - minus) / (2 * Double(step))
            let analytic = Double(parameter.grad[flat: index])
            if !(abs(numeric - analytic) <= absolute + relative * abs(numeric)) {
                failures.append("\(parameter.name)[\(index)]: numeric \(numeric), analytic \(analytic)")
            }
        }
    }
    return failures.isEmpty ? nil : failures.prefix(5).joined(separator: "; ")
}

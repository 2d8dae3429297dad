// VectorMath against libm in Double (Foundation's exp, tanh, erf) over dense ranges and at the
// edges (0, ±inf, NaN, overflow, underflow), and the buffer forms against the SIMD16 lanes.

import Foundation
import Testing
@testable import Tapestry

/// Float values from `lower` to `upper` in `count` equal steps, plus every value in `extra`.
func denseRange(_ lower: Float, _ upper: Float, count: Int, extra: [Float] = []) -> [Float] {
    (0...count).map { lower + (upper - lower) * Float($0) / Float(count) } + extra
}

/// Evaluates `function` on `inputs` 16 at a time (the last group padded with zeros).
func evaluate(_ inputs: [Float], _ function: (SIMD16<Float>) -> SIMD16<Float>) -> [Float] {
    var outputs: [Float] = []
    for start in stride(from: 0, to: inputs.count, by: 16) {
        var lanes = SIMD16<Float>()
        for lane in 0..<min(16, inputs.count - start) { lanes[lane] = inputs[start + lane] }
        let result = function(lanes)
        for lane in 0..<min(16, inputs.count - start) { outputs.append(result[lane]) }
    }
    return outputs
}

/// Largest |f(x) − reference(x)| over `inputs`, with the x where it happens.
func maxAbsoluteError(_ inputs: [Float], _ function: (SIMD16<Float>) -> SIMD16<Float>,
                      _ reference: (Double) -> Double) -> (error: Double, at: Float) {
    let outputs = evaluate(inputs, function)
    var worst = (error: 0.0, at: Float.nan)
    for (x, y) in zip(inputs, outputs) {
        let error = abs(Double(y) - reference(Double(x)))
        if !(error <= worst.error) { worst = (error.isNaN ? .infinity : error, x) }
    }
    return worst
}

@Suite struct VectorMathTests {
    @Test func expIsWithinOneAndAHalfUlpsOverTheNormalRange() {
        let inputs = denseRange(-87.3, 88.7, count: 400_000, extra: [0, -0, 1, -1, 1e-8, -1e-8, 0.346, -0.347])
        let outputs = evaluate(inputs, VectorMath.exp)
        var worstUlps = 0.0
        for (x, y) in zip(inputs, outputs) {
            let exact = Foundation.exp(Double(x))
            let ulp = Double(Float(exact).ulp)
            worstUlps = max(worstUlps, abs(Double(y) - exact) / ulp)
        }
        #expect(worstUlps <= 1.5, "exp: max error \(worstUlps) ulp")
    }

    @Test func expHandlesUnderflowOverflowAndSpecialValues() {
        // Subnormal results: absolute error within two of the smallest subnormal (1.4e-45).
        let tiny = maxAbsoluteError(denseRange(-104, -87.3, count: 20_000), VectorMath.exp, Foundation.exp)
        #expect(tiny.error <= 2.8e-45, "exp subnormals: \(tiny)")
        let special: [Float] = [-.infinity, -1000, -104, 88.8, 89, 1000, .infinity, 88.72]
        let results = evaluate(special, VectorMath.exp)
        #expect(Array(results[0..<3]) == [0, 0, 0])
        #expect(results[3..<7].allSatisfy { $0 == .infinity })
        #expect(results[7].isFinite && results[7] > 3.3e38)
        #expect(VectorMath.exp(Float.nan).isNaN)
        #expect(VectorMath.exp(Float(0)) == 1)
    }

    @Test func tanhIsWithinAbsoluteTolerance() {
        let inputs = denseRange(-12, 12, count: 400_000, extra: [0.624_999_9, 0.625, -0.625, 1e-30])
        let worst = maxAbsoluteError(inputs, VectorMath.tanh, Foundation.tanh)
        #expect(worst.error <= 1.5e-7, "tanh: \(worst)")
        // Near zero tanh x ≈ x: relative accuracy matters there too.
        for x: Float in [1e-30, 1e-10, 1e-4, -3e-3, 0.1] {
            let y = VectorMath.tanh(x)
            #expect(abs(Double(y) - Foundation.tanh(Double(x))) <= Double(y.magnitude.ulp) * 2, "tanh(\(x))")
        }
    }

    @Test func tanhSpecialValues() {
        let results = evaluate([.infinity, -.infinity, 50, -50, 0, -0.0], VectorMath.tanh)
        #expect(results == [1, -1, 1, -1, 0, 0])
        #expect(results[5].sign == .minus)
        #expect(VectorMath.tanh(Float.nan).isNaN)
    }

    @Test func erfIsWithinAbsoluteTolerance() {
        let inputs = denseRange(-6, 6, count: 400_000, extra: [0.921_875, 0.921_874_9, -0.921_875, 3.9, 4, 4.1, 1e-30])
        let worst = maxAbsoluteError(inputs, VectorMath.erf, Foundation.erf)
        #expect(worst.error <= 1.5e-7, "erf: \(worst)")
        for x: Float in [1e-30, 1e-10, 1e-4, -3e-3, 0.1] {
            let y = VectorMath.erf(x)
            #expect(abs(Double(y) - Foundation.erf(Double(x))) <= Double(y.magnitude.ulp) * 2, "erf(\(x))")
        }
    }

    @Test func erfSpecialValues() {
        let results = evaluate([.infinity, -.infinity, 10, -10, 0, -0.0], VectorMath.erf)
        #expect(results == [1, -1, 1, -1, 0, 0])
        #expect(results[5].sign == .minus)
        #expect(VectorMath.erf(Float.nan).isNaN)
    }

    @Test func bufferFormsMatchTheLanesForEveryTailLength() {
        var generator = RandomGenerator(seed: 3)
        let input = (0..<53).map { _ in 4 * generator.normal() }
        let functions: [(String, (SIMD16<Float>) -> SIMD16<Float>,
                         (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)] = [
            ("exp", VectorMath.exp, { VectorMath.exp($0, into: $1, count: $2) }),
            ("tanh", VectorMath.tanh, { VectorMath.tanh($0, into: $1, count: $2) }),
            ("erf", VectorMath.erf, { VectorMath.erf($0, into: $1, count: $2) }),
        ]
        for (name, lanes, buffer) in functions {
            let expected = input.map { x in lanes(SIMD16(repeating: x))[0] }
            for count in [0, 1, 15, 16, 17, 32, 53] {
                var output = [Float](repeating: .nan, count: input.count)
                buffer(input, &output, count)
                #expect(Array(output[0..<count]) == Array(expected[0..<count]), "\(name) count \(count)")
                #expect(output[count...].allSatisfy { $0.isNaN }, "\(name) wrote past count \(count)")
                var inPlace = input                              // x and y the same buffer
                inPlace.withUnsafeMutableBufferPointer { buffer(UnsafePointer($0.baseAddress!), $0.baseAddress!, count) }
                #expect(Array(inPlace[0..<count]) == Array(expected[0..<count]), "\(name) in place, count \(count)")
            }
        }
    }
}

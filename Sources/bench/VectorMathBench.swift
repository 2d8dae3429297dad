// VectorMathBench: elements per second of the SIMD16 exp, tanh and erf on an L1-resident
// buffer, against Foundation's scalar functions.

import Foundation
import Tapestry

func benchVectorMath(options: BenchOptions) {
    let count = 4096
    var generator = RandomGenerator(seed: 2)
    let input = Tensor.randomNormal([count], std: 3, using: &generator)
    var output = Tensor(zeros: [count])
    let functions: [(String, (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)] = [
        ("VectorMath.exp", { VectorMath.exp($0, into: $1, count: $2) }),
        ("VectorMath.tanh", { VectorMath.tanh($0, into: $1, count: $2) }),
        ("VectorMath.erf", { VectorMath.erf($0, into: $1, count: $2) }),
        ("Foundation.exp (Float)", { x, y, n in for i in 0..<n { y[i] = Foundation.exp(x[i]) } }),
        ("Foundation.erf (Float)", { x, y, n in for i in 0..<n { y[i] = Foundation.erf(x[i]) } }),
    ]
    options.report.line("function                  G elements/s")
    for (name, function) in functions {
        let time = output.withUnsafeMutableBufferPointer { y in
            medianSeconds(clock: options.clock) { function(input.pointer, y.baseAddress!, count) }
        }
        options.report.add("vectormath", threads: 1, name, Double(count) / time / 1e9)
        options.report.line(name.padding(toLength: 24, withPad: " ", startingAt: 0) + format(Double(count) / time / 1e9, decimals: 2, width: 8))
    }
}

// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_.
//
// What it is: ‖g‖ = √(Σ over every parameter and element of g²), the norm of all gradients
// taken as one long vector. When it exceeds `maxNorm`, every gradient is multiplied by
// maxNorm / (‖g‖ + 1e-6), so the new norm is just under maxNorm and the direction is kept.
// nanoGPT clips at 1.0 and logs the returned norm: a spike in it is often the first sign of
// a training run going wrong.
//
// Determinism: the squares are summed in Double, each parameter's in 16 lane sums combined by a
// fixed tree, then parameter by parameter in the given order, so the norm does not depend on
// threads or on anything but the inputs.
// What it is not: per-parameter clipping or clipping by value.
// Lesson: notebooks-md/09-training.md

import Tapestry

/// Scales the gradients of `parameters` in place so that their global L2 norm is at most
/// `maxNorm` (scale = maxNorm / (norm + 1e-6), applied only when that is < 1). Returns the
/// norm BEFORE clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let norm = gradientNorm(parameters)
    let scale = Double(maxNorm) / (norm + 1e-6)
    if scale < 1 {
        let factor = Float(scale)
        for parameter in parameters {
            let g = parameter.gradientPointer
            for i in 0..<parameter.count { g[i] *= factor }
        }
    }
    return Float(norm)
}

/// The global L2 norm √(Σ g²) of the gradients of `parameters`, summed in Double in a fixed
/// order: each parameter's squares in 16 lane sums (`sumOfSquares`), then the parameters' sums
/// in their order. Large sets split their parameters over the threads; every parameter's sum
/// is the same whichever thread computes it, so the norm does not depend on the thread count.
public func gradientNorm(_ parameters: [Parameter]) -> Double {
    let total = parameters.scalarCount
    let parts = total >= parallelNormWork ? min(Threads.count, parameters.count) : 1
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(parameters.count, 1)) { sums in
        Threads.parallelFor(parts, ParameterSquareSums(parameters: parameters, parts: parts, total: total,
                                                       sums: sums.baseAddress!))
        var sumOfSquares = 0.0
        for index in parameters.indices { sumOfSquares += sums[index] }
        return sumOfSquares.squareRoot()
    }
}

/// Below this many gradient values (roughly 10 µs of summing on one core, an estimate) a fork
/// costs more than it saves.
let parallelNormWork = 1 << 17

/// sums[i] = Σ g² of parameter i. With all gradients laid end to end, cut into `parts` equal
/// parts, a parameter belongs to the part its first element falls in.
struct ParameterSquareSums: ParallelLoop {
    let parameters: [Parameter]
    let parts: Int
    let total: Int
    let sums: UnsafeMutablePointer<Double>

    func run(_ range: Range<Int>) {
        var start = 0                                          // of the parameter, end to end
        for (index, parameter) in parameters.enumerated() {
            defer { start += parameter.count }
            let part = total == 0 ? 0 : min(parts - 1, start * parts / total)
            if range.contains(part) { sums[index] = sumOfSquares(parameter.gradientPointer, count: parameter.count) }
        }
    }
}

/// Σ x[i]² in Double: element i is added into lane i % 16 (a fused multiply-add), and the 16
/// lanes are combined by halving, (lanes 0-7 + lanes 8-15), then 4, 2, 1. Sixteen lanes in two
/// 8-wide vectors keep two FMA chains in flight; with one 4-lane chain the sum was bound by the
/// FMA latency, about one element per cycle.
func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    var low = SIMD8<Double>(), high = SIMD8<Double>()          // lanes 0-7 and 8-15
    var i = 0
    while i + 16 <= count {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
        let a = SIMD8<Double>(v.lowHalf), b = SIMD8<Double>(v.highHalf)
        low.addProduct(a, a)
        high.addProduct(b, b)
        i += 16
    }
    for lane in 0..<(count - i) {
        let value = Double(x[i + lane])
        if lane < 8 { low[lane].addProduct(value, value) } else { high[lane - 8].addProduct(value, value) }
    }
    let eight = low + high
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    return two[0] + two[1]
}

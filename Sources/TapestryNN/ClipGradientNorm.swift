// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_.
//
// What it is: ‖g‖ = √(Σ over every parameter and element of g²), the norm of all gradients
// taken as one long vector. When it exceeds `maxNorm`, every gradient is multiplied by
// maxNorm / (‖g‖ + 1e-6), so the new norm is just under maxNorm and the direction is kept.
// nanoGPT clips at 1.0 and logs the returned norm: a spike in it is often the first sign of
// a training run going wrong.
//
// Determinism: the squares are summed in Double, parameter by parameter in the given order,
// element by element, so the norm does not depend on threads or on anything but the inputs.
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
/// order (parameters in order, elements in order).
public func gradientNorm(_ parameters: [Parameter]) -> Double {
    var sumOfSquares = 0.0
    for parameter in parameters {
        let g = parameter.gradientPointer
        // Four partial sums break the serial dependency on one accumulator; the order is fixed,
        // so the result is the same on every run.
        var partial = SIMD4<Double>()
        let count = parameter.count
        var i = 0
        while i + 4 <= count {
            let lanes = SIMD4<Double>(Double(g[i]), Double(g[i + 1]), Double(g[i + 2]), Double(g[i + 3]))
            partial = partial.addingProduct(lanes, lanes)
            i += 4
        }
        while i < count { let x = Double(g[i]); partial[0] += x * x; i += 1 }
        sumOfSquares += (partial[0] + partial[1]) + (partial[2] + partial[3])
    }
    return sumOfSquares.squareRoot()
}

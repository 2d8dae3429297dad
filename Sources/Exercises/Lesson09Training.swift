// Exercises 9.1, 9.2 and 9.3 (notebooks-md/09-training.md). Grade them with
// `swift run grade 9.1` (and 9.2, 9.3).

/// Exercise 9.1: one AdamW step (Loshchilov & Hutter), for one parameter tensor.
///
/// `step` counts from 1. With g the gradient, lr the learning rate, λ the weight decay:
///
///     m  = β₁·m + (1 − β₁)·g          v  = β₂·v + (1 − β₂)·g²
///     m̂  = m / (1 − β₁^step)          v̂  = v / (1 − β₂^step)
///     θ  = θ − lr·λ·θ − lr·m̂ / (√v̂ + ε)
///
/// The decay acts on θ directly ("decoupled"); it never enters m or v. Return the new θ, m, v.
public func adamWStep(parameters: [Float], gradients: [Float], firstMoment: [Float], secondMoment: [Float],
                      step: Int, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
                      weightDecay: Float) throws -> (parameters: [Float], firstMoment: [Float], secondMoment: [Float]) {
    throw ExerciseError.notImplemented("Exercise 9.1")
}

/// Exercise 9.2: the learning rate at `step` (counting from 0): nanoGPT's linear warmup, then
/// cosine decay down to a floor.
///
///     step < warmup:        maxRate · (step + 1) / (warmup + 1)
///     step > decaySteps:    minRate
///     otherwise:            minRate + ½ (1 + cos(π r)) (maxRate − minRate),
///                           r = (step − warmup) / (decaySteps − warmup)
///
/// (Assume decaySteps > warmupSteps.)
public func learningRate(step: Int, maxRate: Float, minRate: Float, warmupSteps: Int, decaySteps: Int) throws -> Float {
    throw ExerciseError.notImplemented("Exercise 9.2")
}

/// Exercise 9.3: clip gradients by their global norm.
///
/// `gradients` holds several tensors (flattened). Their global norm is
/// $\|g\| = \sqrt{\sum_{t}\sum_i g_{t,i}^2}$ over ALL of them. With
/// scale = maxNorm / (‖g‖ + 1e-6) (PyTorch's `clip_grad_norm_`), multiply every gradient by
/// scale when scale < 1; otherwise return them unchanged. Return the (possibly scaled)
/// gradients and the norm before clipping.
public func clipGradientNorm(_ gradients: [[Float]], maxNorm: Float) throws -> (gradients: [[Float]], norm: Float) {
    throw ExerciseError.notImplemented("Exercise 9.3")
}

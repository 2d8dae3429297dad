// ExerciseSolutions: reference solutions for lessons 9-12 (see Solutions01to04.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tapestry

/// Solution 9.1: moments, bias correction, then the decoupled decay and the Adam step.
public func adamWStep(parameters: [Float], gradients: [Float], firstMoment: [Float], secondMoment: [Float],
                      step: Int, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
                      weightDecay: Float) throws -> (parameters: [Float], firstMoment: [Float], secondMoment: [Float]) {
    var theta = parameters, m = firstMoment, v = secondMoment
    let correction1 = 1 - powf(beta1, Float(step))          // early m is biased toward 0: undo it
    let correction2 = 1 - powf(beta2, Float(step))
    for i in theta.indices {
        let g = gradients[i]
        m[i] = beta1 * m[i] + (1 - beta1) * g
        v[i] = beta2 * v[i] + (1 - beta2) * g * g
        let mHat = m[i] / correction1, vHat = v[i] / correction2
        theta[i] -= learningRate * weightDecay * theta[i]    // decoupled: decay never enters m or v
        theta[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
    }
    return (theta, m, v)
}

/// Solution 9.2: nanoGPT's get_lr.
public func learningRate(step: Int, maxRate: Float, minRate: Float, warmupSteps: Int, decaySteps: Int) throws -> Float {
    if step < warmupSteps { return maxRate * Float(step + 1) / Float(warmupSteps + 1) }
    if step > decaySteps { return minRate }
    let ratio = Double(step - warmupSteps) / Double(decaySteps - warmupSteps)
    let coefficient = Float(0.5 * (1 + cos(Double.pi * ratio)))
    return minRate + coefficient * (maxRate - minRate)
}

/// Solution 9.3: one norm over every gradient, one common scale.
public func clipGradientNorm(_ gradients: [[Float]], maxNorm: Float) throws -> (gradients: [[Float]], norm: Float) {
    var sumOfSquares = 0.0
    for tensor in gradients { for g in tensor { sumOfSquares += Double(g) * Double(g) } }
    let norm = sumOfSquares.squareRoot()
    let scale = Double(maxNorm) / (norm + 1e-6)
    guard scale < 1 else { return (gradients, Float(norm)) }
    return (gradients.map { $0.map { $0 * Float(scale) } }, Float(norm))
}

/// Solution 10.1: walk the tokens from most to least probable until the mass reaches p.
public func topP(_ probabilities: [Float], p: Float) throws -> [Float] {
    let ranked = probabilities.indices.sorted {
        probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1
    }
    var kept = [Float](repeating: 0, count: probabilities.count)
    var mass: Float = 0
    for index in ranked {
        kept[index] = probabilities[index]
        mass += probabilities[index]
        if mass >= p { break }               // the token that crosses p is kept
    }
    return kept.map { $0 / mass }
}

/// Solution 10.2: divide the logits by τ, then a stable softmax.
public func probabilities(logits: [Float], temperature: Float) throws -> [Float] {
    try stableSoftmax(logits.map { $0 / temperature })
}

/// Solution 11.1: for each sequence b, its cached rows then its new rows.
public func appendToCache(_ cache: Tensor, _ new: Tensor) throws -> Tensor {
    let (batch, cached, channels) = (cache.shape[0], cache.shape[1], cache.shape[2])
    let added = new.shape[1]
    var scalars: [Float] = []
    scalars.reserveCapacity(batch * (cached + added) * channels)
    let old = cache.scalars, fresh = new.scalars
    for b in 0..<batch {
        scalars += old[(b * cached * channels)..<((b + 1) * cached * channels)]
        scalars += fresh[(b * added * channels)..<((b + 1) * added * channels)]
    }
    return Tensor(shape: [batch, cached + added, channels], scalars: scalars)
}

/// Solution 12.1: one scale per row from the largest magnitude, then round.
public func quantizeInt8(_ row: [Float]) throws -> (scale: Float, values: [Int8]) {
    let largest = row.reduce(Float(0)) { Swift.max($0, abs($1)) }
    let scale = largest > 0 ? largest / 127 : 1
    return (scale, row.map { Int8(($0 / scale).rounded()) })
}

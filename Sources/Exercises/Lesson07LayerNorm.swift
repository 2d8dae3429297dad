// Exercise 7.1 (notebooks-md/07-feed-forward-layernorm.md). Grade it with `swift run grade 7.1`.

/// Exercise 7.1: LayerNorm's backward pass for one row.
///
/// Forward (C = x.count): μ = mean(x), σ² = mean((x − μ)²), rstd = 1/√(σ² + ε),
/// x̂ = (x − μ)·rstd, y = x̂ ⊙ weight + bias. Given dy = ∂L/∂y, return dx = ∂L/∂x:
///
/// $$dx = \mathrm{rstd}\,\big(g - \mathrm{mean}(g) - \hat{x}\cdot \mathrm{mean}(g \odot \hat{x})\big),\quad g = dy \odot w$$
///
/// (The bias does not enter dx.)
public func layerNormBackward(x: [Float], weight: [Float], outputGradient: [Float], epsilon: Float) throws -> [Float] {
    throw ExerciseError.notImplemented("Exercise 7.1")
}

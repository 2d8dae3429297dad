// Exercise 3.1 (notebooks-md/03-positional-encodings.md). Grade it with `swift run grade 3.1`.

/// Exercise 3.1: the sinusoidal position table of "Attention Is All You Need".
///
/// Returns `positions` rows of `channels` values (channels is even). For position p and pair
/// index i = 0, 1, ..., channels/2 − 1, with frequency $\omega_i = 10000^{-2i/C}$:
///
///     row[p][2i]     = sin(p · ωᵢ)
///     row[p][2i + 1] = cos(p · ωᵢ)
///
/// Row 0 is therefore [0, 1, 0, 1, ...].
public func sinusoidalPositions(positions: Int, channels: Int) throws -> [[Float]] {
    throw ExerciseError.notImplemented("Exercise 3.1")
}

// Exercise 8.1 (notebooks-md/08-gpt.md). Grade it with `swift run grade 8.1`.

/// Exercise 8.1: count a GPT's parameters.
///
/// The GPT of lesson 8 (nanoGPT's, with biases): a token table wte [V, C], a position table
/// wpe [T, C], `layers` blocks, a final LayerNorm, and an output head that REUSES wte (weight
/// tying: no extra parameters). Each block has two LayerNorms (weight and bias, C each), the
/// attention's c_attn (C → 3C with bias) and c_proj (C → C with bias), and the MLP's c_fc
/// (C → 4C with bias) and c_proj (4C → C with bias).
public func gptParameterCount(vocabularySize: Int, contextLength: Int, channels: Int, layers: Int) throws -> Int {
    throw ExerciseError.notImplemented("Exercise 8.1")
}

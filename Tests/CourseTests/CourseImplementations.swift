// The implementations the grader tests hand to the graders: the reference solutions, and
// stubs that throw exactly like the untouched ones in Sources/Exercises.

import Exercises
import ExerciseSolutions
import Grading
import Tapestry

enum CourseImplementations {
    /// Sources/ExerciseSolutions, every exercise.
    static var reference: ExerciseImplementations { ExerciseImplementations(
        bpeMerge: ExerciseSolutions.bpeMerge, cosineSimilarity: ExerciseSolutions.cosineSimilarity,
        sinusoidalPositions: ExerciseSolutions.sinusoidalPositions,
        tanhExpressionGradients: ExerciseSolutions.tanhExpressionGradients, sigmoid: ExerciseSolutions.sigmoid,
        stableSoftmax: ExerciseSolutions.stableSoftmax, attentionHead: ExerciseSolutions.attentionHead,
        causalMask: ExerciseSolutions.causalMask, splitHeads: ExerciseSolutions.splitHeads,
        layerNormBackward: ExerciseSolutions.layerNormBackward, gptParameterCount: ExerciseSolutions.gptParameterCount,
        adamWStep: ExerciseSolutions.adamWStep, learningRate: ExerciseSolutions.learningRate,
        clipGradientNorm: ExerciseSolutions.clipGradientNorm, topP: ExerciseSolutions.topP,
        probabilities: ExerciseSolutions.probabilities, appendToCache: ExerciseSolutions.appendToCache,
        quantizeInt8: ExerciseSolutions.quantizeInt8) }

    /// The Sources/Exercises target as it is now (unsolved on a fresh clone, maybe solved later).
    static var learner: ExerciseImplementations { ExerciseImplementations(
        bpeMerge: Exercises.bpeMerge, cosineSimilarity: Exercises.cosineSimilarity,
        sinusoidalPositions: Exercises.sinusoidalPositions, tanhExpressionGradients: Exercises.tanhExpressionGradients,
        sigmoid: Exercises.sigmoid, stableSoftmax: Exercises.stableSoftmax, attentionHead: Exercises.attentionHead,
        causalMask: Exercises.causalMask, splitHeads: Exercises.splitHeads, layerNormBackward: Exercises.layerNormBackward,
        gptParameterCount: Exercises.gptParameterCount, adamWStep: Exercises.adamWStep, learningRate: Exercises.learningRate,
        clipGradientNorm: Exercises.clipGradientNorm, topP: Exercises.topP, probabilities: Exercises.probabilities,
        appendToCache: Exercises.appendToCache, quantizeInt8: Exercises.quantizeInt8) }

    /// Every exercise as its untouched stub: throws `ExerciseError.notImplemented`. Written
    /// here, not taken from Sources/Exercises, so the tests stay true after a learner solves them.
    static var stubs: ExerciseImplementations { ExerciseImplementations(
        bpeMerge: { _, _, _ in throw ExerciseError.notImplemented("Exercise 1.1") },
        cosineSimilarity: { _, _ in throw ExerciseError.notImplemented("Exercise 2.1") },
        sinusoidalPositions: { _, _ in throw ExerciseError.notImplemented("Exercise 3.1") },
        tanhExpressionGradients: { _, _ in throw ExerciseError.notImplemented("Exercise 4.1") },
        sigmoid: { _ in throw ExerciseError.notImplemented("Exercise 4.2") },
        stableSoftmax: { _ in throw ExerciseError.notImplemented("Exercise 5.1") },
        attentionHead: { _, _, _ in throw ExerciseError.notImplemented("Exercise 5.2") },
        causalMask: { _ in throw ExerciseError.notImplemented("Exercise 6.1") },
        splitHeads: { _, _ in throw ExerciseError.notImplemented("Exercise 6.2") },
        layerNormBackward: { _, _, _, _ in throw ExerciseError.notImplemented("Exercise 7.1") },
        gptParameterCount: { _, _, _, _ in throw ExerciseError.notImplemented("Exercise 8.1") },
        adamWStep: { _, _, _, _, _, _, _, _, _, _ in throw ExerciseError.notImplemented("Exercise 9.1") },
        learningRate: { _, _, _, _, _ in throw ExerciseError.notImplemented("Exercise 9.2") },
        clipGradientNorm: { _, _ in throw ExerciseError.notImplemented("Exercise 9.3") },
        topP: { _, _ in throw ExerciseError.notImplemented("Exercise 10.1") },
        probabilities: { _, _ in throw ExerciseError.notImplemented("Exercise 10.2") },
        appendToCache: { _, _ in throw ExerciseError.notImplemented("Exercise 11.1") },
        quantizeInt8: { _ in throw ExerciseError.notImplemented("Exercise 12.1") }) }
}

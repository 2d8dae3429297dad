// grade: checks YOUR solutions to the course's exercises (Sources/Exercises).
//
//     swift run grade 5.1     grade exercise 5.1       swift run grade     grade them all
//
// It links the Exercises target only, never Sources/ExerciseSolutions, so it always grades
// the learner's code. All the logic is in Sources/Grading (GradeProgram.run), where tests reach it.

import Exercises
import Foundation
import Grading

let learner = ExerciseImplementations(
    bpeMerge: Exercises.bpeMerge, cosineSimilarity: Exercises.cosineSimilarity,
    sinusoidalPositions: Exercises.sinusoidalPositions, tanhExpressionGradients: Exercises.tanhExpressionGradients,
    sigmoid: Exercises.sigmoid, stableSoftmax: Exercises.stableSoftmax, attentionHead: Exercises.attentionHead,
    causalMask: Exercises.causalMask, splitHeads: Exercises.splitHeads, layerNormBackward: Exercises.layerNormBackward,
    gptParameterCount: Exercises.gptParameterCount, adamWStep: Exercises.adamWStep, learningRate: Exercises.learningRate,
    clipGradientNorm: Exercises.clipGradientNorm, topP: Exercises.topP, probabilities: Exercises.probabilities,
    appendToCache: Exercises.appendToCache, quantizeInt8: Exercises.quantizeInt8)

let status = GradeProgram.run(arguments: Array(CommandLine.arguments.dropFirst()), implementations: learner,
                              writeError: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) { print($0) }
exit(status)

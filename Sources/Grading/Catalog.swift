// Catalog: every exercise of the course, and the `grade` program's logic.
//
// `ExerciseImplementations` holds one function per exercise. The `grade` program fills it with
// the learner's functions (Sources/Exercises); the tests fill it with the reference solutions,
// the stubs or wrong answers. Nothing here imports either target, so the grader cannot
// accidentally check the reference instead of the learner's code.

import Tapestry

/// One implementation per exercise, in the shape the graders call.
public struct ExerciseImplementations {
    public var bpeMerge: ([Int], (left: Int, right: Int), Int) throws -> [Int]
    public var cosineSimilarity: ([Float], [Float]) throws -> Float
    public var sinusoidalPositions: (Int, Int) throws -> [[Float]]
    public var tanhExpressionGradients: (Float, Float) throws -> (value: Float, da: Float, db: Float)
    public var sigmoid: (Variable) throws -> Variable
    public var stableSoftmax: ([Float]) throws -> [Float]
    public var attentionHead: ([[Float]], [[Float]], [[Float]]) throws -> [[Float]]
    public var causalMask: ([[Float]]) throws -> [[Float]]
    public var splitHeads: ([[Float]], Int) throws -> [[[Float]]]
    public var layerNormBackward: ([Float], [Float], [Float], Float) throws -> [Float]
    public var gptParameterCount: (Int, Int, Int, Int) throws -> Int
    public var adamWStep: Grader.AdamWStep
    public var learningRate: (Int, Float, Float, Int, Int) throws -> Float
    public var clipGradientNorm: ([[Float]], Float) throws -> (gradients: [[Float]], norm: Float)
    public var topP: ([Float], Float) throws -> [Float]
    public var probabilities: ([Float], Float) throws -> [Float]
    public var appendToCache: (Tensor, Tensor) throws -> Tensor
    public var quantizeInt8: ([Float]) throws -> (scale: Float, values: [Int8])

    public init(bpeMerge: @escaping ([Int], (left: Int, right: Int), Int) throws -> [Int],
                cosineSimilarity: @escaping ([Float], [Float]) throws -> Float,
                sinusoidalPositions: @escaping (Int, Int) throws -> [[Float]],
                tanhExpressionGradients: @escaping (Float, Float) throws -> (value: Float, da: Float, db: Float),
                sigmoid: @escaping (Variable) throws -> Variable,
                stableSoftmax: @escaping ([Float]) throws -> [Float],
                attentionHead: @escaping ([[Float]], [[Float]], [[Float]]) throws -> [[Float]],
                causalMask: @escaping ([[Float]]) throws -> [[Float]],
                splitHeads: @escaping ([[Float]], Int) throws -> [[[Float]]],
                layerNormBackward: @escaping ([Float], [Float], [Float], Float) throws -> [Float],
                gptParameterCount: @escaping (Int, Int, Int, Int) throws -> Int,
                adamWStep: @escaping Grader.AdamWStep,
                learningRate: @escaping (Int, Float, Float, Int, Int) throws -> Float,
                clipGradientNorm: @escaping ([[Float]], Float) throws -> (gradients: [[Float]], norm: Float),
                topP: @escaping ([Float], Float) throws -> [Float],
                probabilities: @escaping ([Float], Float) throws -> [Float],
                appendToCache: @escaping (Tensor, Tensor) throws -> Tensor,
                quantizeInt8: @escaping ([Float]) throws -> (scale: Float, values: [Int8])) {
        self.bpeMerge = bpeMerge
        self.cosineSimilarity = cosineSimilarity
        self.sinusoidalPositions = sinusoidalPositions
        self.tanhExpressionGradients = tanhExpressionGradients
        self.sigmoid = sigmoid
        self.stableSoftmax = stableSoftmax
        self.attentionHead = attentionHead
        self.causalMask = causalMask
        self.splitHeads = splitHeads
        self.layerNormBackward = layerNormBackward
        self.gptParameterCount = gptParameterCount
        self.adamWStep = adamWStep
        self.learningRate = learningRate
        self.clipGradientNorm = clipGradientNorm
        self.topP = topP
        self.probabilities = probabilities
        self.appendToCache = appendToCache
        self.quantizeInt8 = quantizeInt8
    }
}

/// An exercise: its number, what it asks, where it is taught and where the learner writes it.
public struct Exercise: Sendable {
    /// "5.1"
    public let id: String
    /// "stable softmax"
    public let title: String
    /// The lesson, relative to the repository root: "notebooks-md/05-attention.md".
    public let lesson: String
    /// The learner's file: "Sources/Exercises/Lesson05Attention.swift".
    public let file: String
    /// The function to write: "stableSoftmax(_:)".
    public let function: String
    /// Runs this exercise's grader on the matching member of `implementations`.
    let run: @Sendable (ExerciseImplementations) -> GradeResult

    /// Grades `implementations`' function for this exercise.
    public func grade(_ implementations: ExerciseImplementations) -> GradeResult { run(implementations) }
}

/// Every exercise, in course order.
public enum Catalog {
    public static let exercises: [Exercise] = [
        Exercise(id: "1.1", title: "BPE merge step", lesson: "notebooks-md/01-tokens.md",
                 file: "Sources/Exercises/Lesson01Tokens.swift", function: "bpeMerge(_:pair:newToken:)") { Grader.bpeMerge($0.bpeMerge) },
        Exercise(id: "2.1", title: "cosine similarity", lesson: "notebooks-md/02-embeddings.md",
                 file: "Sources/Exercises/Lesson02Embeddings.swift", function: "cosineSimilarity(_:_:)") { Grader.cosineSimilarity($0.cosineSimilarity) },
        Exercise(id: "3.1", title: "sinusoidal positions", lesson: "notebooks-md/03-positional-encodings.md",
                 file: "Sources/Exercises/Lesson03Positions.swift", function: "sinusoidalPositions(positions:channels:)") { Grader.sinusoidalPositions($0.sinusoidalPositions) },
        Exercise(id: "4.1", title: "backpropagation by hand", lesson: "notebooks-md/04-the-tape.md",
                 file: "Sources/Exercises/Lesson04Tape.swift", function: "tanhExpressionGradients(a:b:)") { Grader.tanhExpressionGradients($0.tanhExpressionGradients) },
        Exercise(id: "4.2", title: "sigmoid op on the tape", lesson: "notebooks-md/04-the-tape.md",
                 file: "Sources/Exercises/Lesson04Tape.swift", function: "sigmoid(_:)") { Grader.sigmoid($0.sigmoid) },
        Exercise(id: "5.1", title: "stable softmax", lesson: "notebooks-md/05-attention.md",
                 file: "Sources/Exercises/Lesson05Attention.swift", function: "stableSoftmax(_:)") { Grader.stableSoftmax($0.stableSoftmax) },
        Exercise(id: "5.2", title: "one attention head", lesson: "notebooks-md/05-attention.md",
                 file: "Sources/Exercises/Lesson05Attention.swift", function: "attentionHead(query:key:value:)") { Grader.attentionHead($0.attentionHead) },
        Exercise(id: "6.1", title: "causal mask", lesson: "notebooks-md/06-causal-multi-head.md",
                 file: "Sources/Exercises/Lesson06MaskAndHeads.swift", function: "causalMask(_:)") { Grader.causalMask($0.causalMask) },
        Exercise(id: "6.2", title: "split channels into heads", lesson: "notebooks-md/06-causal-multi-head.md",
                 file: "Sources/Exercises/Lesson06MaskAndHeads.swift", function: "splitHeads(_:heads:)") { Grader.splitHeads($0.splitHeads) },
        Exercise(id: "7.1", title: "LayerNorm backward", lesson: "notebooks-md/07-feed-forward-layernorm.md",
                 file: "Sources/Exercises/Lesson07LayerNorm.swift", function: "layerNormBackward(x:weight:outputGradient:epsilon:)") { Grader.layerNormBackward($0.layerNormBackward) },
        Exercise(id: "8.1", title: "GPT parameter count", lesson: "notebooks-md/08-gpt.md",
                 file: "Sources/Exercises/Lesson08GPT.swift", function: "gptParameterCount(vocabularySize:contextLength:channels:layers:)") { Grader.gptParameterCount($0.gptParameterCount) },
        Exercise(id: "9.1", title: "one AdamW step", lesson: "notebooks-md/09-training.md",
                 file: "Sources/Exercises/Lesson09Training.swift", function: "adamWStep(...)") { Grader.adamWStep($0.adamWStep) },
        Exercise(id: "9.2", title: "warmup + cosine learning rate", lesson: "notebooks-md/09-training.md",
                 file: "Sources/Exercises/Lesson09Training.swift", function: "learningRate(step:maxRate:minRate:warmupSteps:decaySteps:)") { Grader.learningRate($0.learningRate) },
        Exercise(id: "9.3", title: "clip by global norm", lesson: "notebooks-md/09-training.md",
                 file: "Sources/Exercises/Lesson09Training.swift", function: "clipGradientNorm(_:maxNorm:)") { Grader.clipGradientNorm($0.clipGradientNorm) },
        Exercise(id: "10.1", title: "top-p filtering", lesson: "notebooks-md/10-sampling.md",
                 file: "Sources/Exercises/Lesson10Sampling.swift", function: "topP(_:p:)") { Grader.topP($0.topP) },
        Exercise(id: "10.2", title: "temperature", lesson: "notebooks-md/10-sampling.md",
                 file: "Sources/Exercises/Lesson10Sampling.swift", function: "probabilities(logits:temperature:)") { Grader.temperature($0.probabilities) },
        Exercise(id: "11.1", title: "append to a KV cache", lesson: "notebooks-md/11-kv-cache.md",
                 file: "Sources/Exercises/Lesson11KVCache.swift", function: "appendToCache(_:_:)") { Grader.appendToCache($0.appendToCache) },
        Exercise(id: "12.1", title: "int8 absmax quantization", lesson: "notebooks-md/12-quantization-context.md",
                 file: "Sources/Exercises/Lesson12Quantization.swift", function: "quantizeInt8(_:)") { Grader.quantizeInt8($0.quantizeInt8) },
    ]

    /// The exercises selected by `selector`: "5.1" is one exercise, "5" every exercise of lesson 5.
    public static func exercises(matching selector: String) -> [Exercise] {
        exercises.filter { $0.id == selector || $0.id.hasPrefix(selector + ".") }
    }
}

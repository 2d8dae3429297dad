// swift-tools-version: 6.0
//
// Tapestry: a from-scratch deep-learning training framework in Swift, no dependencies.
// The target graph is the architecture; a lower layer never imports a higher one:
//
//   Tapestry (tensor, tape, ops, kernels) -> TapestryNN (modules, optimizers)
//   TapestryText (tokenizers, corpus; imports no tensor code)
//   TapestryGPT (model, training, sampling, checkpoints) -> programs and examples

import PackageDescription

// MARK: - Build settings

/// Every target that computes is optimized and built for this CPU in EVERY configuration,
/// including the debug build that `swift run train` and `swift test` use. Without this the
/// debug build is 10-100x slower and a packed GEMM falls back to calling `fmaf` per element
/// (measured; see README "Why the debug build is fast").
let fast: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "native"])]

// MARK: - Package

let package = Package(
    name: "Tapestry",
    products: [
        .library(name: "Tapestry", targets: ["Tapestry"]),
        .library(name: "TapestryNN", targets: ["TapestryNN"]),
        .library(name: "TapestryText", targets: ["TapestryText"]),
        .library(name: "TapestryGPT", targets: ["TapestryGPT"]),
    ],
    targets: [
        // MARK: Libraries
        .target(name: "Tapestry", swiftSettings: fast),
        .target(name: "TapestryNN", dependencies: ["Tapestry"], swiftSettings: fast),
        .target(name: "TapestryText", swiftSettings: fast),
        .target(name: "TapestryGPT", dependencies: ["Tapestry", "TapestryNN", "TapestryText"], swiftSettings: fast),
        // The course (notebooks-md/): the learner's exercise stubs, the reference solutions kept
        // apart from them, and the graders that check any implementation handed to them.
        .target(name: "Exercises", dependencies: ["Tapestry"]),
        .target(name: "ExerciseSolutions", dependencies: ["Tapestry"]),
        .target(name: "Grading", dependencies: ["Tapestry"], swiftSettings: fast),

        // MARK: Programs
        .executableTarget(name: "train", dependencies: ["TapestryGPT"], swiftSettings: fast),
        .executableTarget(name: "sample", dependencies: ["TapestryGPT"], swiftSettings: fast),
        .executableTarget(name: "tokenizer", dependencies: ["TapestryText"], swiftSettings: fast),
        .executableTarget(name: "grade", dependencies: ["Grading", "Exercises"]),
        .executableTarget(name: "bench", dependencies: ["Tapestry", "TapestryGPT", "TapestryText"],
                          exclude: ["compare-with-pytorch.sh", "count-allocations.sh"], swiftSettings: fast),
        .executableTarget(name: "evaluate", dependencies: ["TapestryGPT"], swiftSettings: fast),

        // MARK: Examples
        .executableTarget(name: "moons", dependencies: ["Tapestry", "TapestryNN", "TapestryGPT"], path: "Examples/moons",
                          exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "embeddings", dependencies: ["Tapestry", "TapestryGPT", "TapestryText"], path: "Examples/embeddings",
                          exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "self-attention", dependencies: ["Tapestry", "TapestryGPT"], path: "Examples/self-attention",
                          exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "attention-viewer", dependencies: ["Tapestry", "TapestryGPT"], path: "Examples/attention-viewer",
                          exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "positional-encodings", dependencies: ["Tapestry", "TapestryGPT"], path: "Examples/positional-encodings",
                          exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "mini-transformer", dependencies: ["Tapestry", "TapestryNN", "TapestryGPT"],
                          path: "Examples/mini-transformer", exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "seq2seq", dependencies: ["Tapestry", "TapestryNN", "TapestryGPT"],
                          path: "Examples/seq2seq", exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "tape-step", dependencies: ["Tapestry", "TapestryGPT"], path: "Examples/tape-step",
                          exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "sampling-explorer", dependencies: ["Tapestry", "TapestryGPT"],
                          path: "Examples/sampling-explorer", exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "kv-cache", dependencies: ["Tapestry", "TapestryGPT"], path: "Examples/kv-cache",
                          exclude: ["README.md"], swiftSettings: fast),
        .executableTarget(name: "quantize", dependencies: ["Tapestry", "TapestryGPT", "TapestryText"],
                          path: "Examples/quantize", exclude: ["README.md"], swiftSettings: fast),

        // MARK: Tests
        .target(name: "TapestryTestSupport", dependencies: ["Tapestry"], path: "Tests/TapestryTestSupport"),
        .testTarget(name: "TapestryTests", dependencies: ["Tapestry", "TapestryTestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: fast),
        .testTarget(name: "TapestryGPTTests", dependencies: ["TapestryGPT", "TapestryTestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: fast),
        .testTarget(name: "ProgramTests", dependencies: ["Tapestry", "TapestryTestSupport"]),
        .testTarget(name: "TapestryNNTests", dependencies: ["TapestryNN", "Tapestry", "TapestryTestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: fast),
        .testTarget(name: "TapestryTextTests", dependencies: ["TapestryText"],
                    resources: [.copy("Fixtures")], swiftSettings: fast),
        .testTarget(name: "CourseTests", dependencies: ["Tapestry", "TapestryNN", "TapestryText", "TapestryGPT",
                                                        "Exercises", "ExerciseSolutions", "Grading", "TapestryTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

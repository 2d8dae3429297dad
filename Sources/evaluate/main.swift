// evaluate: `swift run evaluate --checkpoint out/model.safetensors --block-size 128`.
// Val loss of a checkpoint over the whole val split, at the trained or a longer context.
// All logic lives in TapestryGPT (Evaluation/Evaluation.swift).

import TapestryGPT
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

do {
    guard let config = try EvaluateConfig.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(EvaluateConfig.help)
        exit(0)
    }
    _ = try runEvaluation(config) { print($0) }
} catch let error as UsageError {
    exitWithError("evaluate: \(error)", code: 2)
} catch let error as TrainError {
    exitWithError("evaluate: \(error)", code: error.exitCode)
} catch {
    exitWithError("evaluate: \(error)", code: 1)
}

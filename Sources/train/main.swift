// train: `swift run train [flags]`. Parses flags, runs the training, prints progress.
// All logic lives in TapestryGPT (TrainingRun.swift); this file only wires it to the terminal.

import Tapestry
import TapestryGPT
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

do {
    guard let config = try TrainConfig.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(TrainConfig.help)
        exit(0)
    }
    _ = try runTraining(config) { writeToStandardOutput($0 + "\n") }   // unbuffered: progress shows at once
} catch let error as UsageError {
    exitWithError("train: \(error)", code: 2)
} catch let error as TrainError {
    exitWithError("train: \(error)", code: error.exitCode)
} catch {
    exitWithError("train: \(error)", code: 1)
}

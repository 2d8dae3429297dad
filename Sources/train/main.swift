// train: `swift run train [flags]`. Parses flags, runs the training, prints progress.
// All logic lives in TapestryGPT (TrainingRun.swift); this file only wires it to the terminal.

import TapestryGPT
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

setvbuf(stdout, nil, _IOLBF, 0)   // one progress line at a time, even through a pipe
do {
    guard let config = try TrainConfig.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(TrainConfig.help)
        exit(0)
    }
    _ = try runTraining(config) { print($0) }
} catch let error as UsageError {
    exitWithError("train: \(error)", code: 2)
} catch let error as TrainError {
    exitWithError("train: \(error)", code: error.exitCode)
} catch {
    exitWithError("train: \(error)", code: 1)
}

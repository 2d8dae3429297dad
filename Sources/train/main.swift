// train: `swift run train [flags]`. Parses flags, runs the training, prints progress.
// All logic lives in TapestryGPT (TrainingRun.swift); this file only wires it to the terminal.
//
// Exit status: 0 done; 1 a failure (divergence, a write error); 2 misuse (a bad flag, corpus,
// tokenizer or checkpoint); 130 stopped by Ctrl-C after saving a resumable checkpoint.

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
    if config.profileSteps > 0 {                   // --profile N: time N steps, print the table, exit
        _ = try runProfile(config, print: { writeToStandardOutput($0 + "\n") })
        exit(0)
    }
    Interrupt.installHandler()
    _ = try runTraining(config, print: { writeToStandardOutput($0 + "\n") },   // unbuffered: progress shows at once
                        stopRequested: { Interrupt.isRequested })
} catch let stop as TrainingInterrupted {
    exit(stop.exitCode)                            // runTraining already printed where it saved
} catch let error as UsageError {
    exitWithError("train: \(error)", code: 2)
} catch let error as TrainError {
    exitWithError("train: \(error)", code: error.exitCode)
} catch {
    exitWithError("train: \(error)", code: 1)
}

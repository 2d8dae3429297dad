// sample: `swift run sample --checkpoint out/model.safetensors --prompt "ROMEO:"`.
// Generates text from a checkpoint; the tokenizer comes from the checkpoint's metadata.
//
// Exit status: 0 done; 1 the text could not be written; 2 misuse (a bad flag or checkpoint).

import TapestryGPT
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes generated text as it comes; a failed write (a full disk) ends the program.
func emit(_ text: String) {
    do { try writeOutput(text) } catch { exitWithError("sample: \(error)", code: error.exitCode) }
}

do {
    guard let config = try SampleConfig.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(SampleConfig.help)
        exit(0)
    }
    try runSampling(config, onText: emit)
    emit("\n")
} catch let error as UsageError {
    exitWithError("sample: \(error)", code: 2)
} catch let error as TrainError {
    exitWithError("sample: \(error)", code: error.exitCode)
} catch {
    exitWithError("sample: \(error)", code: 1)
}

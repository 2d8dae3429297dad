// sample: `swift run sample --checkpoint out/model.safetensors --prompt "ROMEO:"`.
// Generates text from a checkpoint; the tokenizer comes from the checkpoint's metadata.

import TapestryGPT
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

do {
    guard let config = try SampleConfig.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(SampleConfig.help)
        exit(0)
    }
    try runSampling(config) { print($0, terminator: "") }
    print()
} catch let error as UsageError {
    exitWithError("sample: \(error)", code: 2)
} catch let error as TrainError {
    exitWithError("sample: \(error)", code: error.exitCode)
} catch {
    exitWithError("sample: \(error)", code: 1)
}

// attention-viewer: look at the attention maps a training run dumped.
//
//     swift run attention-viewer [--file out/attention.safetensors] [--layer L] [--head H] [--out DIR] [--no-color]
//
// This file parses, runs and prints; Viewer.swift and the files beside it do the work.
// Errors are one line on stderr, `error: attention-viewer: ...`, as in `train` and `sample`. Exit status:
// 0 success; 2 misuse (a bad flag, no such layer or head, a missing file or one that is not an
// attention dump, an --out that cannot be a directory); 1 a file that could not be written.

import Foundation
import Tapestry
import TapestryGPT

do {
    guard let options = try ViewerOptions.parse(Array(CommandLine.arguments.dropFirst()),
                                                environment: ProcessInfo.processInfo.environment) else {
        print(ViewerOptions.usage)
        exit(0)
    }
    print(try runViewer(options))
} catch let error as TrainError {
    exitWithError("attention-viewer: \(error)", code: error.exitCode)
} catch {
    exitWithError("attention-viewer: \(error)", code: error is UsageError || error is DumpError ? 2 : 1)
}

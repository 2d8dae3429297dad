// attention-viewer: look at the attention maps a training run dumped.
//
//     swift run attention-viewer [--file out/attention.safetensors] [--layer L] [--head H] [--out DIR] [--no-color]
//
// This file parses, runs and prints; Viewer.swift and the files beside it do the work.
// Exit status: 0 success, 1 a missing or bad file, 2 a usage error (bad flag, no such layer or head).

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
} catch let error as UsageError {
    writeToStandardError("attention-viewer: \(error)\n")
    exit(2)
} catch {
    writeToStandardError("attention-viewer: \(error)\n")
    exit(1)
}

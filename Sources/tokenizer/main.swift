// tokenizer: train, use and inspect a byte-level BPE tokenizer from the command line.
//
//     swift run tokenizer train --corpus datasets/shakespeare.txt --vocab-size 4096 --out tok.model
//     swift run tokenizer encode --tokenizer tok.model < text.txt > ids.txt
//     swift run tokenizer decode --tokenizer tok.model < ids.txt
//     swift run tokenizer show --tokenizer tok.model "some text"
//
// This file only parses, runs and prints; the logic is in TapestryText (TokenizerProgram).
// Exit status: 0 success, 1 a file or data error, 2 a usage error. Errors are one line on stderr,
// `error: tokenizer: ...`, as in every other program.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TapestryText

/// Writes the result to standard output; a failed write (`> /dev/full`) is an error, not a
/// silent exit 0 with the output lost.
func writeResult(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else {
            let reason = String(cString: strerror(errno))
            TextFile.writeFully(Array("error: tokenizer: cannot write to standard output: \(reason)\n".utf8), descriptor: 2)
            exit(1)
        }
        offset += written
    }
}

do {
    let command = try TokenizerCommandLine.parse(Array(CommandLine.arguments.dropFirst()))
    let output = try TokenizerProgram.run(
        command,
        readStandardInput: { () throws(TextError) in try TextFile.readAll(descriptor: 0, name: "stdin") },
        log: { TextFile.writeFully(Array(($0 + "\n").utf8), descriptor: 2) })
    writeResult(output)
    exit(0)
} catch let error as UsageError {
    TextFile.writeFully(Array("error: tokenizer: \(error)\n".utf8), descriptor: 2)
    exit(2)
} catch {
    TextFile.writeFully(Array("error: tokenizer: \(error)\n".utf8), descriptor: 2)
    exit(1)
}

// TokenizerProgram: what each `tokenizer` command does, with its input and output as values.
//
// `run` takes a parsed command, reads standard input only through the closure it is given,
// reports progress through `log` (the program sends it to stderr), and returns the bytes for
// standard output. Files are read and written here, atomically. So tests can run every
// command without starting a process.
//
// What it is not: the place for argument parsing (TokenizerCommandLine.swift) or exit codes
// (main.swift: 0 success, 1 a file or data error, 2 a usage error).

/// Runs `tokenizer` commands.
public enum TokenizerProgram {
    /// Runs `command` and returns what it prints on standard output.
    public static func run(_ command: TokenizerCommand,
                           readStandardInput: () throws(TextError) -> [UInt8],
                           log: (String) -> Void) throws(TextError) -> [UInt8] {
        switch command {
        case .help(let text):
            return Array((text + "\n").utf8)
        case .train(let options):
            return Array(try train(options, log: log).utf8)
        case .encode(let options):
            let tokenizer = try TokenizerFile.load(path: options.tokenizerPath)
            let text = try readText(options.inputPath, readStandardInput: readStandardInput)
            let ids: [Int]
            if let bpe = tokenizer as? BPETokenizer {
                ids = try bpe.encode(text, specialTokens: options.specialTokens)
            } else {
                ids = try tokenizer.encode(text)
            }
            return Array((ids.map(String.init).joined(separator: " ") + "\n").utf8)
        case .decode(let options):
            let tokenizer = try TokenizerFile.load(path: options.tokenizerPath)
            let name = options.inputPath ?? "stdin"
            let ids = try parseIDs(readInput(options.inputPath, readStandardInput: readStandardInput), name: name)
            do {
                return try tokenizer.decodeBytes(ids)
            } catch {
                throw .invalidInput(source: name, reason: "\(error.description) of \(options.tokenizerPath)")
            }
        case .show(let options):
            guard let tokenizer = try TokenizerFile.load(path: options.tokenizerPath) as? BPETokenizer else {
                throw .invalidInput(source: options.tokenizerPath, reason: "'show' needs a BPE tokenizer, this file holds another kind")
            }
            return Array(tokenizer.explain(options.text).utf8)
        }
    }

    /// `tokenizer train`: learns the merges, writes the model and its `.vocab` listing, and
    /// returns a one-line summary. Progress goes to `log` when there are 1,000 merges or more.
    static func train(_ options: TrainOptions, log: (String) -> Void) throws(TextError) -> String {
        let text = try Corpus.load(path: options.corpusPath)
        let planned = options.vocabularySize - 256 - options.specialTokenNames.count
        let showProgress = !options.quiet && planned >= 1000
        let clock = ContinuousClock()
        let started = clock.now
        let tokenizer = try BPETokenizer.train(
            text: text, vocabularySize: options.vocabularySize, specialTokenNames: options.specialTokenNames,
            progressInterval: showProgress ? max(1, planned / 10) : 0
        ) { progress in
            let merge = progress.lastMerge
            log("merge \(progress.mergesDone)/\(progress.mergesPlanned): (\(merge.left), \(merge.right)) -> \(progress.lastToken) "
                + "[\(BPETokenizer.displayed(progress.lastTokenBytes))] seen \(progress.lastCount) times")
        }
        let elapsed = (clock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        let vocabularyPath = try tokenizer.save(modelPath: options.outputPath)
        var summary = "trained \(tokenizer.merges.count) merges on \(text.utf8.count) bytes in \(formatted(seconds)) s; "
            + "wrote \(options.outputPath) and \(vocabularyPath) (vocabulary \(tokenizer.vocabularySize))"
        if tokenizer.merges.count < planned {
            summary += "\nnote: stopped after \(tokenizer.merges.count) of \(planned) merges: every chunk of the corpus is one token"
        }
        return summary + "\n"
    }

    /// The UTF-8 text of `path`, or of standard input when `path` is nil. Empty is allowed.
    static func readText(_ path: String?, readStandardInput: () throws(TextError) -> [UInt8]) throws(TextError) -> String {
        try TextFile.decodeUTF8(readInput(path, readStandardInput: readStandardInput), name: path ?? "stdin")
    }

    /// The bytes of `path`, or of standard input when `path` is nil.
    static func readInput(_ path: String?, readStandardInput: () throws(TextError) -> [UInt8]) throws(TextError) -> [UInt8] {
        if let path { return try TextFile.readBytes(path: path) }
        return try readStandardInput()
    }

    /// Parses whitespace-separated decimal token ids, as `encode` prints them.
    /// An error names the source and the 1-based position of the bad word.
    public static func parseIDs(_ bytes: [UInt8], name: String) throws(TextError) -> [Int] {
        var ids: [Int] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D { index += 1; continue }
            let start = index
            var value = 0
            var isNumber = true
            while index < bytes.count, ![0x20, 0x0A, 0x09, 0x0D].contains(bytes[index]) {
                let digit = Int(bytes[index]) - 0x30
                if digit < 0 || digit > 9 || value > (Int(Int32.max) - digit) / 10 { isNumber = false }
                else { value = value * 10 + digit }
                index += 1
            }
            guard isNumber else {
                let word = String(decoding: bytes[start..<min(index, start + 40)], as: UTF8.self)
                throw .invalidInput(source: name, reason: "\(TextLines.shown(word)) at byte \(start) (token \(ids.count + 1)) is not a token id")
            }
            ids.append(value)
        }
        return ids
    }

    /// Seconds with three decimals, without Foundation's formatter.
    static func formatted(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

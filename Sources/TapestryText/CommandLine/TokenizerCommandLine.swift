// TokenizerCommandLine: parse the `tokenizer` program's arguments into a command.
//
// The program itself (Sources/tokenizer/main.swift) only calls `parse`, then
// `TokenizerProgram.run`, then prints; everything that can be tested lives here.
// Options are written `--key value` or `--key=value`; `--` ends the options. A mistake gives a
// `UsageError`: one line, exit status 2.
//
//     parse(["train", "--corpus", "datasets/shakespeare.txt", "--vocab-size=4096", "--out", "tok.model"])
//     // .train(TrainOptions(corpusPath: "datasets/shakespeare.txt", vocabularySize: 4096, ...))
//
// What it is not: a general argument parser; it knows exactly these four subcommands.

/// A mistake on the command line (unknown option, missing value...), as one line.
public struct UsageError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `tokenizer train` needs.
public struct TrainOptions: Equatable, Sendable {
    public var corpusPath: String
    /// Total ids: 256 bytes + merges + special tokens.
    public var vocabularySize: Int = 4096
    /// The model file; the `.vocab` listing is written beside it.
    public var outputPath: String
    /// Special tokens, given ids right after the last merge, in this order.
    public var specialTokenNames: [String] = []
    /// No progress lines.
    public var quiet = false
}

/// What `tokenizer encode` needs.
public struct EncodeOptions: Equatable, Sendable {
    public var tokenizerPath: String
    /// Read this file instead of standard input.
    public var inputPath: String?
    public var specialTokens: SpecialTokenPolicy = .forbidden
}

/// What `tokenizer decode` needs.
public struct DecodeOptions: Equatable, Sendable {
    public var tokenizerPath: String
    /// Read the ids from this file instead of standard input.
    public var inputPath: String?
}

/// What `tokenizer show` needs.
public struct ShowOptions: Equatable, Sendable {
    public var tokenizerPath: String
    public var text: String
}

/// A parsed command line.
public enum TokenizerCommand: Equatable, Sendable {
    /// Print this usage text and exit 0.
    case help(String)
    case train(TrainOptions)
    case encode(EncodeOptions)
    case decode(DecodeOptions)
    case show(ShowOptions)
}

/// Parsing of the `tokenizer` program's arguments.
public enum TokenizerCommandLine {
    /// The overview printed by `tokenizer --help`.
    public static let usage = """
        usage: tokenizer <command> [options]

        Byte-level BPE tokenizer (GPT-4 style pre-tokenization).

        commands:
          train    learn merges from a corpus:   tokenizer train --corpus datasets/shakespeare.txt --vocab-size 4096 --out tok.model
          encode   text (stdin or --file) -> token ids:   tokenizer encode --tokenizer tok.model < input.txt
          decode   token ids (stdin or --file) -> the exact text:   tokenizer decode --tokenizer tok.model < ids.txt
          show     watch BPE merge a string step by step:   tokenizer show --tokenizer tok.model "some text"

        'tokenizer <command> --help' lists a command's options.
        """

    static let commandUsage: [String: String] = [
        "train": """
            usage: tokenizer train --corpus PATH --out PATH [--vocab-size N] [--special NAME]... [--quiet]
              --corpus PATH      UTF-8 text to learn from
              --out PATH         model file to write; PATH's .vocab listing is written beside it
              --vocab-size N     total ids: 256 bytes + merges + special tokens (default 4096)
              --special NAME     add a special token such as <|endoftext|> (repeatable)
              --quiet            no progress lines
            """,
        "encode": """
            usage: tokenizer encode --tokenizer PATH [--file PATH] [--special-tokens allow|text|forbid]
              reads UTF-8 text from standard input (or --file) and prints space-separated token ids
              --special-tokens   what a special token's text becomes: its id (allow), ordinary
                                 text (text), or an error (forbid, the default)
            """,
        "decode": """
            usage: tokenizer decode --tokenizer PATH [--file PATH]
              reads whitespace-separated token ids from standard input (or --file) and writes
              the exact bytes they stand for
            """,
        "show": """
            usage: tokenizer show --tokenizer PATH TEXT
              prints each chunk of TEXT and every merge BPE applies to it, in order
            """,
    ]

    /// Parses the arguments that follow the program name.
    public static func parse(_ arguments: [String]) throws(UsageError) -> TokenizerCommand {
        guard let name = arguments.first else { throw UsageError("missing command (train, encode, decode or show); see 'tokenizer --help'") }
        if ["--help", "-h", "help"].contains(name) { return .help(usage) }
        guard let help = commandUsage[name] else {
            throw UsageError("unknown command '\(name)' (expected train, encode, decode or show); see 'tokenizer --help'")
        }
        let options = try ParsedOptions(Array(arguments.dropFirst()), command: name,
                                        valued: name == "train" ? ["corpus", "out", "vocab-size", "special"]
                                              : name == "encode" ? ["tokenizer", "file", "special-tokens"]
                                              : name == "decode" ? ["tokenizer", "file"] : ["tokenizer"],
                                        flags: name == "train" ? ["quiet", "help"] : ["help"])
        if options.flags.contains("help") { return .help(help) }
        switch name {
        case "train":
            var train = try TrainOptions(corpusPath: options.required("corpus"), outputPath: options.required("out"))
            if let size = options.last("vocab-size") {
                guard let value = Int(size), value > 0 else { throw UsageError("--vocab-size expects a positive integer, got '\(size)'") }
                guard value >= 256 else { throw UsageError("--vocab-size must be at least 256 (one id per byte value), got \(value)") }
                train.vocabularySize = value
            }
            train.specialTokenNames = options.values["special"] ?? []
            train.quiet = options.flags.contains("quiet")
            try options.expectNoPositional()
            return .train(train)
        case "encode":
            var encode = try EncodeOptions(tokenizerPath: options.required("tokenizer"), inputPath: options.last("file"))
            switch options.last("special-tokens") {
            case nil, "forbid": encode.specialTokens = .forbidden
            case "allow": encode.specialTokens = .allowed
            case "text": encode.specialTokens = .ordinaryText
            case let other?: throw UsageError("--special-tokens expects allow, text or forbid, got '\(other)'")
            }
            try options.expectNoPositional()
            return .encode(encode)
        case "decode":
            let decode = try DecodeOptions(tokenizerPath: options.required("tokenizer"), inputPath: options.last("file"))
            try options.expectNoPositional()
            return .decode(decode)
        default:
            let tokenizerPath = try options.required("tokenizer")
            guard options.positional.count == 1 else {
                throw UsageError("show expects one TEXT argument, got \(options.positional.count); quote the text")
            }
            return .show(ShowOptions(tokenizerPath: tokenizerPath, text: options.positional[0]))
        }
    }
}

/// `--key value`, `--key=value` and `--flag` options plus positional arguments.
struct ParsedOptions {
    let command: String
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var positional: [String] = []

    init(_ arguments: [String], command: String, valued: Set<String>, flags allowedFlags: Set<String>) throws(UsageError) {
        self.command = command
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positional.append(argument)
                continue
            }
            if argument == "--" { optionsEnded = true; continue }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw UsageError("malformed option '\(argument)' for 'tokenizer \(command)' (options look like --name value); see 'tokenizer \(command) --help'")
            }
            let body = argument.dropFirst(2)
            let key = String(body.prefix { $0 != "=" })
            let inlineValue = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            if allowedFlags.contains(key) {
                if inlineValue != nil { throw UsageError("option --\(key) takes no value") }
                flags.insert(key)
            } else if valued.contains(key) {
                if let inlineValue {
                    values[key, default: []].append(inlineValue)
                } else {
                    guard index < arguments.count else { throw UsageError("option --\(key) needs a value") }
                    values[key, default: []].append(arguments[index])
                    index += 1
                }
            } else {
                throw UsageError("unknown option '--\(key)' for 'tokenizer \(command)'; see 'tokenizer \(command) --help'")
            }
        }
    }

    /// The last value given for `key` (a repeated option overrides), or nil.
    func last(_ key: String) -> String? { values[key]?.last }

    /// The value of a required option, or a usage error naming it.
    func required(_ key: String) throws(UsageError) -> String {
        guard let value = last(key) else { throw UsageError("'tokenizer \(command)' needs --\(key)") }
        return value
    }

    func expectNoPositional() throws(UsageError) {
        if let first = positional.first { throw UsageError("unexpected argument '\(first)' for 'tokenizer \(command)'") }
    }
}

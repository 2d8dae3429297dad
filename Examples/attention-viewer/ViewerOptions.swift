// The command line of attention-viewer. A mistake is a one-line `UsageError` (exit status 2).

/// A command-line mistake, e.g. `--layer expects a non-negative integer, got 'x'`.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What the viewer was asked to show and where to write the pictures.
struct ViewerOptions: Equatable {
    /// The attention dump to read.
    var file = "out/attention.safetensors"
    /// The layer and head drawn in the terminal and in the PNG.
    var layer = 0
    var head = 0
    /// Where the SVG, PNG and HTML files go (created if missing).
    var outputDirectory = "out"
    /// ANSI colors in the terminal (off with --no-color or when NO_COLOR is set).
    var color = true

    static let usage = """
        usage: attention-viewer [--file PATH] [--layer L] [--head H] [--out DIR] [--no-color]

        Shows the attention maps that `swift run train` dumps: a heat map of one layer and head
        in the terminal, with the tokens as row (query) and column (key) labels, and writes
          DIR/attention-grid.svg          every layer x head
          DIR/attention-L<l>-H<h>.png     the chosen head, one square per weight
          DIR/attention.html              a page with a layer/head selector and hover values

          --file PATH   attention dump (default out/attention.safetensors)
          --layer L     layer to show (default 0)
          --head H      head to show (default 0)
          --out DIR     output directory (default out)
          --no-color    plain characters instead of ANSI colors (also when NO_COLOR is set)
          --help        show this text
        """

    /// The options in `arguments` (without the program name), or nil when `--help` was asked for.
    static func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> ViewerOptions? {
        var options = ViewerOptions()
        options.color = environment["NO_COLOR", default: ""].isEmpty
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            // Accept both `--layer 1` and `--layer=1`.
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts.first ?? argument
            let inlineValue = parts.count == 2 ? parts[1] : nil
            func value() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = remaining.popFirst() else { throw UsageError("option \(name) needs a value") }
                return next
            }
            func index() throws(UsageError) -> Int {
                let text = try value()
                guard let n = Int(text), n >= 0 else { throw UsageError("\(name) expects a non-negative integer, got '\(text)'") }
                return n
            }
            switch name {
            case "--help", "-h": return nil
            case "--file": options.file = try value()
            case "--layer": options.layer = try index()
            case "--head": options.head = try index()
            case "--out":
                options.outputDirectory = try value()
                guard !options.outputDirectory.isEmpty else { throw UsageError("--out needs a directory") }
            case "--no-color":
                guard inlineValue == nil else { throw UsageError("option --no-color takes no value") }
                options.color = false
            default:
                throw UsageError("unknown argument '\(argument)'; see 'attention-viewer --help'")
            }
        }
        return options
    }
}

// The command line of attention-viewer, declared with the `Flags` table that `train` and
// `sample` use. A mistake is a one-line `UsageError` (exit status 2).

import TapestryGPT

/// What the viewer was asked to show and where to write the pictures.
struct ViewerOptions {
    /// The attention dump to read.
    var file = "out/attention.safetensors"
    /// The layer and head drawn in the terminal and in the PNG.
    var layer = 0
    var head = 0
    /// Where the SVG, PNG and HTML files go (created if missing).
    var outputDirectory = "out"
    /// Plain characters instead of ANSI colors (also when the NO_COLOR variable is set).
    var noColor = false

    static var flags: [Flag<ViewerOptions>] {
        [
            .string("file", \.file, "attention dump written by `swift run train`"),
            .int("layer", \.layer, "layer to show", minimum: 0),
            .int("head", \.head, "head to show", minimum: 0),
            .string("out", \.outputDirectory, "output directory for the SVG, PNG and HTML files"),
            .switch("no-color", \.noColor, "plain characters instead of ANSI colors (also when NO_COLOR is set)"),
        ]
    }

    static var usage: String {
        TapestryGPT.usage(
            program: "attention-viewer",
            summary: """
                Shows the attention maps that `swift run train` dumps: a heat map of one layer and head
                in the terminal, with the tokens as row (query) and column (key) labels, and writes
                  OUT/attention-grid.svg          every layer x head
                  OUT/attention-L<l>-H<h>.png     the chosen head, one square per weight
                  OUT/attention.html              a page with a layer/head selector and hover values
                """,
            flags: flags, defaults: ViewerOptions())
    }

    /// The options in `arguments` (without the program name), or nil when `--help` was asked
    /// for. A non-empty NO_COLOR in `environment` turns the colors off, as --no-color does.
    static func parse(_ arguments: [String], environment: [String: String] = [:]) throws -> ViewerOptions? {
        var options = ViewerOptions()
        options.noColor = !environment["NO_COLOR", default: ""].isEmpty
        return try parseFlags(arguments, flags: flags, into: &options)
    }
}

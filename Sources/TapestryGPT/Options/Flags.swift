// Flags: a small command-line parser shared by the programs.
//
// Each flag is bound to one field of a config struct through a key path, so the table of
// flags IS the documentation (`--help` prints it with the defaults). Accepts `--key value`
// and `--key=value`. Every mistake is a `UsageError`: one line, exit code 2.

/// A command-line mistake: unknown flag, missing or malformed value. Programs print it and exit 2.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One flag bound to a field of `Config`.
public struct Flag<Config> {
    public let name: String
    public let help: String
    /// True for switches that take no value (`--resume`).
    public let isSwitch: Bool
    let apply: (inout Config, String) throws -> Void
    let current: (Config) -> String

    /// An integer flag; values below `minimum` are rejected.
    public static func int(_ name: String, _ path: WritableKeyPath<Config, Int>, _ help: String,
                           minimum: Int = 1) -> Flag {
        Flag(name: name, help: help, isSwitch: false, apply: { config, text in
            guard let value = Int(text) else { throw UsageError("--\(name): expected an integer, got '\(text)'") }
            guard value >= minimum else { throw UsageError("--\(name): must be at least \(minimum), got \(value)") }
            config[keyPath: path] = value
        }, current: { "\($0[keyPath: path])" })
    }

    /// An unsigned 64-bit flag (seeds).
    public static func uint64(_ name: String, _ path: WritableKeyPath<Config, UInt64>, _ help: String) -> Flag {
        Flag(name: name, help: help, isSwitch: false, apply: { config, text in
            guard let value = UInt64(text) else { throw UsageError("--\(name): expected a non-negative integer, got '\(text)'") }
            config[keyPath: path] = value
        }, current: { "\($0[keyPath: path])" })
    }

    /// A number flag, accepted when `valid` holds (described by `expectation`).
    public static func float(_ name: String, _ path: WritableKeyPath<Config, Float>, _ help: String,
                             expectation: String = "a number >= 0", valid: @escaping (Float) -> Bool = { $0 >= 0 }) -> Flag {
        Flag(name: name, help: help, isSwitch: false, apply: { config, text in
            guard let value = Float(text), value.isFinite else { throw UsageError("--\(name): expected a number, got '\(text)'") }
            guard valid(value) else { throw UsageError("--\(name): expected \(expectation), got \(text)") }
            config[keyPath: path] = value
        }, current: { "\($0[keyPath: path])" })
    }

    /// A text flag.
    public static func string(_ name: String, _ path: WritableKeyPath<Config, String>, _ help: String) -> Flag {
        Flag(name: name, help: help, isSwitch: false, apply: { config, text in
            guard !text.isEmpty else { throw UsageError("--\(name): expected a value, got an empty string") }
            config[keyPath: path] = text
        }, current: { $0[keyPath: path] })
    }

    /// An optional text flag (default: none).
    public static func optionalString(_ name: String, _ path: WritableKeyPath<Config, String?>, _ help: String) -> Flag {
        Flag(name: name, help: help, isSwitch: false, apply: { config, text in
            config[keyPath: path] = text
        }, current: { $0[keyPath: path] ?? "(none)" })
    }

    /// One of the cases of a string enum (`--pos rope`); the help lists them.
    public static func choice<Value: RawRepresentable & CaseIterable>(
        _ name: String, _ path: WritableKeyPath<Config, Value>, _ help: String) -> Flag where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue).joined(separator: "|")
        return Flag(name: name, help: "\(help) (\(names))", isSwitch: false, apply: { config, text in
            guard let value = Value(rawValue: text) else {
                throw UsageError("--\(name): expected one of \(names), got '\(text)'")
            }
            config[keyPath: path] = value
        }, current: { $0[keyPath: path].rawValue })
    }

    /// A switch: present means true.
    public static func `switch`(_ name: String, _ path: WritableKeyPath<Config, Bool>, _ help: String) -> Flag {
        Flag(name: name, help: help, isSwitch: true, apply: { config, _ in config[keyPath: path] = true },
             current: { $0[keyPath: path] ? "on" : "off" })
    }
}

/// Parses `arguments` (without the program name) into `config`.
///
/// Returns nil when `--help` was asked for (the caller prints `usage(...)`).
public func parseFlags<Config>(_ arguments: [String], flags: [Flag<Config>], into config: inout Config,
                               positional: ((String) throws -> Void)? = nil) throws -> Config? {
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        index += 1
        if argument == "--help" || argument == "-h" { return nil }
        guard argument.hasPrefix("--") else {
            if let positional { try positional(argument); continue }
            throw UsageError("unexpected argument '\(argument)' (flags start with --; see --help)")
        }
        var name = String(argument.dropFirst(2))
        var value: String? = nil
        if let equals = name.firstIndex(of: "=") {
            value = String(name[name.index(after: equals)...])
            name = String(name[..<equals])
        }
        guard let flag = flags.first(where: { $0.name == name }) else {
            throw UsageError("unknown flag --\(name) (see --help)")
        }
        if flag.isSwitch {
            if let value, value != "true" { throw UsageError("--\(name) takes no value, got '\(value)'") }
            try flag.apply(&config, "true")
            continue
        }
        if value == nil {
            guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                throw UsageError("--\(name): missing value")
            }
            value = arguments[index]
            index += 1
        }
        try flag.apply(&config, value!)
    }
    return config
}

/// The `--help` text: one line per flag with its default.
public func usage<Config>(program: String, summary: String, flags: [Flag<Config>], defaults: Config) -> String {
    var lines = ["usage: \(program) [flags]", "", summary, "", "flags (default in brackets):"]
    let width = (flags.map { $0.name.count }.max() ?? 0) + 4
    for flag in flags {
        let left = "  --\(flag.name)"
        let padding = String(repeating: " ", count: max(1, width - flag.name.count))
        lines.append("\(left)\(padding)\(flag.help) [\(flag.current(defaults))]")
    }
    lines.append("  --help" + String(repeating: " ", count: max(1, width - 4)) + "print this help")
    return lines.joined(separator: "\n")
}

// JSON: the smallest strict JSON reader and string writer that a safetensors header needs.
//
// What it is: a recursive-descent parser over UTF-8 bytes (RFC 8259) that keeps object
// members in file order, rejects duplicate keys, keeps numbers as their exact text (so
// `1.0` and `1` stay different, as the Rust reader sees them), and limits nesting depth so
// that hostile input like `[[[[...` cannot overflow the stack. Plus the string escaping that
// serde_json (the Rust library behind Python's safetensors) uses when it writes.
// What it is not: a general JSON library. No encoder for arbitrary values, no Codable.
//
// Why not Foundation's JSONSerialization: it silently keeps the last of two duplicate keys,
// turns `1.0` into an integer, and its output differs from serde_json's, so neither the
// reader's checks nor the writer's byte-for-byte match could be expressed with it.

/// A parsed JSON value. Objects keep their members in file order.
enum JSONValue {
    case null
    case bool(Bool)
    /// The number's exact text, e.g. `"12"`, `"-0.5"`, `"1e3"`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The value as a non-negative integer, if it is written as one (`0`, `17`; not `1.0`,
    /// `1e3` or `-1`) and fits in `Int`.
    var nonNegativeInteger: Int? {
        guard case .number(let text) = self, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)   // nil when it overflows
    }
}

/// Why a JSON text was rejected, with the byte offset where the reader gave up.
struct JSONError: Error, Equatable {
    enum Kind: Equatable { case syntax, duplicateKey(String) }
    let kind: Kind
    let message: String
    let offset: Int
}

/// Parses a complete JSON text. Whitespace may surround the value; anything else after it
/// is an error ("trailing characters"), as in serde_json.
func parseJSON(_ bytes: some Collection<UInt8>, maximumDepth: Int = 64) throws(JSONError) -> JSONValue {
    var reader = JSONReader(bytes: Array(bytes), maximumDepth: maximumDepth)
    reader.skipWhitespace()
    let value = try reader.parseValue(depth: 0)
    reader.skipWhitespace()
    if reader.position != reader.bytes.count { throw reader.error("trailing characters after the JSON value") }
    return value
}

private struct JSONReader {
    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    func error(_ message: String) -> JSONError {
        JSONError(kind: .syntax, message: message, offset: position)
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        // JSON whitespace is exactly these four bytes.
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
    }

    mutating func expect(_ literal: String) throws(JSONError) {
        for byte in literal.utf8 {
            guard current == byte else { throw error("invalid literal, expected '\(literal)'") }
            position += 1
        }
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nested deeper than \(maximumDepth) levels") }
        guard let c = current else { throw error("unexpected end of input, expected a value") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character, expected a value")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        position += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = position
            let key = try parseString()
            guard seen.insert(key).inserted else {
                throw JSONError(kind: .duplicateKey(key), message: "duplicate key \"\(key)\"", offset: keyStart)
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
            position += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    /// number = [ "-" ] ( "0" / [1-9] digits ) [ "." digits ] [ ("e"/"E") [ "+"/"-" ] digits ]
    mutating func parseNumber() throws(JSONError) -> String {
        let start = position
        func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
            if isDigit(current) { throw error("invalid number: leading zero") }
        } else {
            guard isDigit(current) else { throw error("invalid number") }
            while isDigit(current) { position += 1 }
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard isDigit(current) else { throw error("invalid number: no digit after '.'") }
            while isDigit(current) { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard isDigit(current) else { throw error("invalid number: no digit in exponent") }
            while isDigit(current) { position += 1 }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A string with its escapes resolved. The caller has already checked that the bytes are
    /// valid UTF-8, so runs of plain bytes can be decoded directly.
    mutating func parseString() throws(JSONError) -> String {
        position += 1  // opening quote
        var result = ""
        var runStart = position
        while true {
            guard let c = current else { throw error("unterminated string") }
            if c == UInt8(ascii: "\"") {
                result += String(decoding: bytes[runStart..<position], as: UTF8.self)
                position += 1
                return result
            }
            if c < 0x20 { throw error("control character in a string must be escaped") }
            if c != UInt8(ascii: "\\") { position += 1; continue }
            result += String(decoding: bytes[runStart..<position], as: UTF8.self)
            position += 1
            guard let escaped = current else { throw error("unterminated escape") }
            position += 1
            switch escaped {
            case UInt8(ascii: "\""): result += "\""
            case UInt8(ascii: "\\"): result += "\\"
            case UInt8(ascii: "/"): result += "/"
            case UInt8(ascii: "b"): result += "\u{08}"
            case UInt8(ascii: "f"): result += "\u{0C}"
            case UInt8(ascii: "n"): result += "\n"
            case UInt8(ascii: "r"): result += "\r"
            case UInt8(ascii: "t"): result += "\t"
            case UInt8(ascii: "u"): result.unicodeScalars.append(try parseUnicodeEscape())
            default: throw error("invalid escape '\\\(Character(Unicode.Scalar(escaped)))'")
            }
            runStart = position
        }
    }

    /// `\uXXXX`, or a surrogate pair `\uD83D\uDE00`. A lone surrogate is an error.
    mutating func parseUnicodeEscape() throws(JSONError) -> Unicode.Scalar {
        let first = try parseHex4()
        if (0xDC00...0xDFFF).contains(first) { throw error("lone low surrogate in \\u escape") }
        if (0xD800...0xDBFF).contains(first) {
            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("high surrogate not followed by a low surrogate") }
            position += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw error("high surrogate not followed by a low surrogate") }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            return Unicode.Scalar(combined)!   // always valid: 0x10000...0x10FFFF
        }
        return Unicode.Scalar(first)!          // not a surrogate, so a valid scalar
    }

    mutating func parseHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current, let digit = hexDigitValue(c) else { throw error("invalid \\u escape") }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    func hexDigitValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}

// MARK: - Writing

/// Appends `text` as a JSON string literal, escaped exactly as serde_json does: `"` and `\`
/// get a backslash; \b \t \n \f \r their short forms; other bytes below 0x20 become
/// `\u00xx` (lowercase hex); everything else, including non-ASCII, is copied as UTF-8.
func appendJSONString(_ text: String, to output: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    output.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x08: output += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
        case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0C: output += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
        case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x00..<0x20: output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
        default: output.append(byte)
        }
    }
    output.append(UInt8(ascii: "\""))
}

/// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above
/// U+10FFFF), the same rule as Rust's `str::from_utf8`.
func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

// Helpers of ExamplesBTests: a tiny checkpoint trained once per test run, a minimal
// safetensors reader (so the tests check the files independently of Tapestry's reader), and
// parsing numbers out of the examples' output.

import Foundation
import Testing
import TapestryTestSupport

/// A checkpoint of a 1-layer, 16-wide GPT with block_size 32 after 2 training steps, made by the
/// built `train` program once per test process (about a second).
enum TinyCheckpoint {
    struct Failure: Error, CustomStringConvertible, Sendable { let description: String }

    static let directory: Result<URL, Failure> = {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("examples-b-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        let result = runProgram("train", arguments: [
            "--max-iters", "2", "--block-size", "32", "--n-layer", "1", "--n-head", "2", "--n-embd", "16",
            "--batch-size", "2", "--eval-iters", "1", "--eval-interval", "2", "--sample-length", "4",
            "--out", directory.path,
        ])
        guard result.exitCode == 0 else {
            return .failure(Failure(description: "train exited \(result.exitCode): \(result.stderr)"))
        }
        return .success(directory)
    }()

    /// `out/model.safetensors` of the tiny run.
    static func model() throws -> String {
        try directory.get().appendingPathComponent("model.safetensors").path
    }
}

/// A fresh temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("examples-b-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The parts of a safetensors file, read by hand: [8-byte little-endian N][N bytes JSON][data].
struct RawSafeTensors {
    struct Entry { let dtype: String; let shape: [Int]; let bytes: ArraySlice<UInt8> }
    let entries: [String: Entry]
    let metadata: [String: String]

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
        let dataStart = 8 + headerLength
        var entries: [String: Entry] = [:]
        for (name, value) in header where name != "__metadata__" {
            let entry = try #require(value as? [String: Any])
            let offsets = try #require(entry["data_offsets"] as? [Int])
            entries[name] = Entry(dtype: try #require(entry["dtype"] as? String), shape: try #require(entry["shape"] as? [Int]),
                                  bytes: bytes[(dataStart + offsets[0])..<(dataStart + offsets[1])])
        }
        self.entries = entries
        metadata = header["__metadata__"] as? [String: String] ?? [:]
    }

    /// An F32 tensor's values.
    func floats(_ name: String) throws -> [Float] {
        let entry = try #require(entries[name])
        #expect(entry.dtype == "F32")
        let bytes = Array(entry.bytes)
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    /// An I8 tensor's values.
    func int8s(_ name: String) throws -> [Int8] {
        let entry = try #require(entries[name])
        #expect(entry.dtype == "I8")
        return entry.bytes.map { Int8(bitPattern: $0) }
    }
}

/// Reading the examples' printed output.
enum Printed {
    /// Every number in `text` (decimals like -0.1234 or 6.89e-05, integers, nan, inf), skipping
    /// slot and node ids such as %6 and #2.
    static func numbers(in text: some StringProtocol) -> [Float] {
        let pattern = try! NSRegularExpression(pattern: "(?<![A-Za-z0-9%#.])-?(?:\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?|inf|nan)(?![A-Za-z0-9.])")
        let string = String(text)
        return pattern.matches(in: string, range: NSRange(string.startIndex..., in: string)).compactMap { match in
            Range(match.range, in: string).flatMap { Float(string[$0]) }
        }
    }

    /// The first line of `output` that starts with `prefix` after its leading spaces, without
    /// those spaces; "" if there is none.
    static func line(startingWith prefix: String, in output: String) -> String {
        output.split(separator: "\n").map { String($0.drop { $0 == " " }) }.first { $0.hasPrefix(prefix) } ?? ""
    }
}

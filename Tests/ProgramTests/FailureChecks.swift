// FailureChecks: what BadInputTests and FaultTests share. A scratch directory with a small
// corpus, flags for a training run that takes a fraction of a second, one trained checkpoint
// made once, the check that a program failed cleanly, directory snapshots (to prove nothing
// was written), and a small safetensors editor for damaging checkpoints on purpose.
//
// What it is not: a safetensors implementation. The editor only takes a file apart and puts
// it back together, so the programs' own reader is the one under test.

import Foundation
import Testing
import TapestryTestSupport

/// A training run that takes well under a second: one layer, 16 channels, 4 steps.
let tinyTrainFlags = ["--max-iters", "4", "--block-size", "16", "--n-layer", "1", "--n-head", "2",
                      "--n-embd", "16", "--batch-size", "2", "--eval-iters", "1", "--eval-interval", "2",
                      "--log-interval", "1", "--sample-length", "8"]

/// A fresh, empty directory for one test.
func makeScratchDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-bad-input-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A deterministic English-like corpus of `lines` lines of ten words (about 50 bytes a line),
/// over a small alphabet: lowercase letters, space and newline. Capitals are not in it.
func corpusText(lines: Int = 300) -> String {
    let words = "the king and queen of england shall speak to thee my lord good night sweet prince".split(separator: " ")
    var state: UInt64 = 12345
    var text = ""
    for _ in 0..<lines {
        var line: [Substring] = []
        for _ in 0..<10 {
            state = state &* 6364136223846793005 &+ 1442695040888963407   // a 64-bit LCG
            line.append(words[Int(state >> 33) % words.count])
        }
        text += line.joined(separator: " ") + "\n"
    }
    return text
}

/// One tiny training run, made once and shared: `corpus.txt` and `out/` with every file a run
/// writes. Tests that change files copy it first (`copy(to:)`).
enum TrainedCheckpoint {
    static let directory: URL = {
        let directory = makeScratchDirectory()
        try? corpusText().write(to: directory.appendingPathComponent("corpus.txt"), atomically: true, encoding: .utf8)
        let result = runProgram("train", arguments: tinyTrainFlags + ["--corpus", "corpus.txt", "--out", "out"],
                                currentDirectory: directory)
        precondition(result.exitCode == 0, "the shared training run failed: \(result.stderr)")
        return directory
    }()

    static var model: URL { directory.appendingPathComponent("out/model.safetensors") }
    static var trainState: URL { directory.appendingPathComponent("out/train-state.safetensors") }

    /// A private copy of the corpus and the run's output in `destination`.
    static func copy(to destination: URL) throws {
        for name in ["corpus.txt", "out"] {
            try FileManager.default.copyItem(at: directory.appendingPathComponent(name),
                                             to: destination.appendingPathComponent(name))
        }
    }
}

/// What a program left behind: exit status, stdout, stderr.
typealias ProgramResult = (exitCode: Int32, stdout: String, stderr: String)

/// Expects a clean failure: a non-zero status that is not a death by signal (and exactly
/// `status` when given), exactly one line on stderr that contains each of `mentions`, and no
/// trace of a crash (no "Fatal error", no backtrace).
func expectCleanFailure(_ result: ProgramResult, status: Int32?, mentions: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.exitCode != 0 && result.exitCode < 128, "status \(result.exitCode), stderr: \(result.stderr)",
            sourceLocation: sourceLocation)
    if let status {
        #expect(result.exitCode == status, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    }
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines[1].isEmpty && !lines[0].isEmpty, "not one line: \(result.stderr)",
            sourceLocation: sourceLocation)
    for crashSign in ["Fatal error", "Backtrac", "Program crashed", "Stack dump", "*** Signal"] {
        #expect(!result.stderr.contains(crashSign) && !result.stdout.contains(crashSign),
                "crash output: \(result.stderr)", sourceLocation: sourceLocation)
    }
    for text in mentions {
        #expect(result.stderr.contains(text), "stderr lacks \"\(text)\": \(result.stderr)", sourceLocation: sourceLocation)
    }
}

/// Every file and directory under `root` (hidden ones too) with its bytes; directories map to
/// empty data under a name ending in "/". Equal snapshots mean nothing was created or changed.
func snapshot(_ root: URL) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let paths = FileManager.default.enumerator(atPath: root.path) else { return result }
    for case let path as String in paths {
        let url = root.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        if isDirectory.boolValue { result[path + "/"] = Data() } else { result[path] = (try? Data(contentsOf: url)) ?? Data() }
    }
    return result
}

/// Runs `program` with its standard output sent to `/dev/full` (every write fails with
/// ENOSPC), through /bin/sh, since `runProgram` gives programs a pipe.
func runWithStandardOutputFull(_ program: String, arguments: [String], currentDirectory: URL? = nil) -> ProgramResult {
    guard let executable = builtProgramURL(program) else { return (127, "", "no program \(program)\n") }
    return runProgram("/bin/sh", arguments: ["-c", "exec \"$0\" \"$@\" > /dev/full", executable.path] + arguments,
                      currentDirectory: currentDirectory)
}

/// A safetensors file taken apart: the JSON header as a dictionary, and the data section.
struct EditableSafeTensors {
    var header: [String: Any]
    var data: Data

    init(_ bytes: Data) throws {
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let headerBytes = bytes.subdata(in: 8..<(8 + length))
        header = try JSONSerialization.jsonObject(with: headerBytes) as! [String: Any]
        data = bytes.subdata(in: (8 + length)..<bytes.count)
    }

    init(contentsOf url: URL) throws { try self.init(Data(contentsOf: url)) }

    /// The `__metadata__` string map.
    var metadata: [String: String] {
        get { header["__metadata__"] as? [String: String] ?? [:] }
        set { header["__metadata__"] = newValue }
    }

    /// Tensor names, in the order of their data.
    var tensorNames: [String] {
        header.keys.filter { $0 != "__metadata__" }.sorted { offsets($0)[0] < offsets($1)[0] }
    }

    func offsets(_ name: String) -> [Int] { (header[name] as! [String: Any])["data_offsets"] as! [Int] }
    func shape(_ name: String) -> [Int] { (header[name] as! [String: Any])["shape"] as! [Int] }

    /// Sets one field (`dtype`, `shape`, `data_offsets`) of tensor `name`.
    mutating func set(_ name: String, _ field: String, to value: Any) {
        var entry = header[name] as! [String: Any]
        entry[field] = value
        header[name] = entry
    }

    /// Removes tensor `name` and its bytes, shifting the tensors after it: a well-formed file
    /// that simply lacks one tensor.
    mutating func removeTensor(_ name: String) {
        let span = offsets(name)
        data.removeSubrange(span[0]..<span[1])
        header[name] = nil
        for other in tensorNames where offsets(other)[0] >= span[1] {
            let old = offsets(other)
            set(other, "data_offsets", to: [old[0] - (span[1] - span[0]), old[1] - (span[1] - span[0])])
        }
    }

    /// The file again: 8-byte little-endian header length, JSON header, data.
    var encoded: Data {
        let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var bytes = Data((0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) })
        bytes.append(json)
        bytes.append(data)
        return bytes
    }

    /// The data section read as Float32 values (every tensor Tapestry writes is F32).
    var floats: [Float] {
        data.withUnsafeBytes { raw in (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    }
}

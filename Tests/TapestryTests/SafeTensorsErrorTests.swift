// SafeTensors reader on broken files: one test per way a file can be wrong, each checking
// the reason and that the one-line message names the file and the problem. The "accepted"
// cases pin down where the reader agrees with Python's safetensors 0.8 (checked by hand
// against `safetensors.numpy.load` on the same bytes).

import Foundation
import Testing
@testable import Tapestry

/// Bytes of a safetensors file with this exact header text and data section.
private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
    file(Array(header.utf8), data: data)
}

private func file(_ header: [UInt8], data: [UInt8] = []) -> [UInt8] {
    withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + data
}

/// A one-tensor header: `{"x":{"dtype":..,"shape":..,"data_offsets":..}}`.
private func entry(_ dtype: String = "F32", shape: String = "[1]", offsets: String = "[0,4]") -> String {
    "{\"x\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}}"
}

/// Parses `bytes` labelled "bad.safetensors" and checks the error's reason and message.
private func expectError(_ bytes: [UInt8], _ reason: SafeTensorsError.Reason, mentions words: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation) {
    let error = #expect(throws: SafeTensorsError.self, sourceLocation: sourceLocation) {
        try SafeTensorsFile.parse(bytes: bytes, source: "bad.safetensors")
    }
    guard let error else { return }
    #expect(error.reason == reason, "\(error)", sourceLocation: sourceLocation)
    #expect(error.description.hasPrefix("bad.safetensors: "), "\(error)", sourceLocation: sourceLocation)
    #expect(!error.description.contains("\n"), "\(error)", sourceLocation: sourceLocation)
    for word in words { #expect(error.description.contains(word), "\(error)", sourceLocation: sourceLocation) }
}

@Suite struct SafeTensorsErrorTests {
    @Test func missingFileAndDirectory() throws {
        let directory = NSTemporaryDirectory() + "tapestry-missing-\(UUID().uuidString)"
        let missing = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.read(path: directory + "/model.safetensors") }
        #expect(missing?.reason == .fileNotFound)
        #expect(missing?.description == "\(directory)/model.safetensors: file not found")

        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notFile = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.read(path: directory) }
        #expect(notFile?.reason == .unreadable)
        #expect(notFile?.description == "\(directory): cannot read: is a directory")

        let empty = directory + "/empty.safetensors"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let emptyError = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.read(path: empty) }
        #expect(emptyError?.reason == .empty)
        #expect(emptyError?.description.hasPrefix(empty + ": file is empty") == true)
    }

    @Test func truncatedFiles() {
        expectError([], .empty, mentions: ["empty"])
        expectError([16, 0, 0, 0, 0], .truncated, mentions: ["5 bytes", "8-byte header length"])
        // Header shorter than declared: the file stops inside the header.
        let whole = file(entry(), data: [0, 0, 128, 63])
        expectError(Array(whole.prefix(20)), .headerTooLarge, mentions: ["only 12 bytes follow"])
        // Data shorter than the offsets: the file stops inside the last tensor.
        expectError(Array(whole.dropLast(1)), .truncated, mentions: ["need 4 data bytes", "has 3"])
    }

    @Test func lyingHeaderLengthIsRejectedBeforeAnyAllocation() {
        // 2^62 bytes would crash any attempt to allocate it; the check compares first.
        expectError([0, 0, 0, 0, 0, 0, 0, 0x40] + Array("{}".utf8), .headerTooLarge, mentions: ["4611686018427387904", "2 bytes follow"])
        expectError([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .headerTooLarge)
    }

    @Test func headerMustBeUTF8JSONObject() {
        expectError(file([UInt8(ascii: "{"), 0xFF, UInt8(ascii: "}")]), .invalidUTF8, mentions: ["UTF-8"])
        expectError(file("{\"x\":"), .invalidJSON, mentions: ["not valid JSON", "header byte 5"])
        expectError(file("{}x"), .invalidJSON, mentions: ["trailing characters"])
        expectError(file("{\"__metadata__\":{},}"), .invalidJSON)
        expectError(file("{/* comment */}"), .invalidJSON)
        expectError(file(entry(shape: "[01]")), .invalidJSON, mentions: ["leading zero"])
        expectError(file("{\"x\\ud800\":1}"), .invalidJSON, mentions: ["surrogate"])
        expectError(file(String(repeating: "[", count: 100_000)), .invalidJSON, mentions: ["nested deeper"])
        expectError(file("[]"), .headerNotObject, mentions: ["not an object"])
        expectError(file("\"text\""), .headerNotObject)
    }

    @Test func entriesMustHaveKnownDTypeAndIntegerShape() {
        expectError(file(entry("F31")), .unsupportedDType, mentions: ["\"x\"", "\"F31\""])
        expectError(file(entry("f32")), .unsupportedDType)
        expectError(file(entry("F4")), .unsupportedDType)
        expectError(file("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), .invalidEntry, mentions: ["missing \"shape\""])
        expectError(file(entry(shape: "[1.0]"), data: [0, 0, 0, 0]), .invalidEntry, mentions: ["non-negative integers"])
        expectError(file(entry(shape: "[1e0]"), data: [0, 0, 0, 0]), .invalidEntry)
        expectError(file(entry(shape: "[-1]"), data: [0, 0, 0, 0]), .invalidEntry)
        expectError(file(entry(shape: "\"1\""), data: [0, 0, 0, 0]), .invalidEntry)
        expectError(file("{\"x\":[1]}"), .invalidEntry, mentions: ["not an object"])
        expectError(file("{\"x\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}"), .invalidEntry, mentions: ["dtype"])
    }

    @Test func offsetsMustMatchShapeAndStayInRange() {
        expectError(file(entry(shape: "[2]"), data: [0, 0, 0, 0]), .shapeMismatch,
                    mentions: ["\"x\" is F32 [2] (8 bytes) but data_offsets [0, 4] hold 4 bytes"])
        expectError(file(entry(shape: "[4611686018427387904,4]", offsets: "[0,0]")), .shapeMismatch, mentions: ["too large"])
        expectError(file(entry(offsets: "[8,4]")), .offsetsOutOfRange, mentions: ["end before they begin"])
        expectError(file(entry(offsets: "[0]")), .offsetsOutOfRange)
        expectError(file(entry(offsets: "[0,4,4]")), .offsetsOutOfRange)
        expectError(file(entry(offsets: "[0,99999999999999999999]")), .offsetsOutOfRange)
    }

    @Test func tensorsMustTileTheDataSectionExactly() {
        let two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":%@}}"
        expectError(file(two.replacingOccurrences(of: "%@", with: "[2,6]"), data: [UInt8](repeating: 0, count: 6)),
                    .overlappingOffsets, mentions: ["\"b\"", "[2, 6]", "ends at 4"])
        expectError(file(two.replacingOccurrences(of: "%@", with: "[8,12]"), data: [UInt8](repeating: 0, count: 12)),
                    .bufferNotCovered, mentions: ["bytes 4..<8"])
        expectError(file(entry(offsets: "[4,8]"), data: [UInt8](repeating: 0, count: 8)), .bufferNotCovered)
        expectError(file(entry(), data: [0, 0, 0, 0, 9]), .bufferNotCovered, mentions: ["1 bytes after the last tensor"])
    }

    @Test func metadataMustBeStrings() {
        expectError(file("{\"__metadata__\":{\"step\":100}}"), .nonStringMetadata, mentions: ["\"step\" is not a string"])
        expectError(file("{\"__metadata__\":\"x\"}"), .nonStringMetadata)
        expectError(file("{\"__metadata__\":[]}"), .nonStringMetadata)
    }

    @Test func duplicateKeysAreRejectedEverywhere() {
        // Python keeps the last of two same-named tensors; a checkpoint like that is broken.
        let twice = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
        expectError(file(twice, data: [UInt8](repeating: 0, count: 8)), .duplicateKey, mentions: ["\"w\" twice"])
        expectError(file("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}"), .duplicateKey)
        expectError(file("{\"__metadata__\":{},\"__metadata__\":{}}"), .duplicateKey)
        expectError(file("{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), .duplicateKey)
    }

    @Test func acceptsWhatPythonAccepts() throws {
        // Unknown fields are ignored, null metadata means none, whitespace around the JSON.
        let extra = try SafeTensorsFile.parse(bytes: file(" {\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"note\":[1]},\"__metadata__\":null}\t\n",
                                                          data: [0, 0, 128, 63]))
        #expect(try extra.tensor("x").item == 1)
        #expect(extra.metadata.isEmpty)
        // Tensors listed out of offset order, at unaligned offsets (an F32 at byte 1).
        let unordered = try SafeTensorsFile.parse(bytes: file(
            "{\"f\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1,5]},\"i\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
            data: [0xF9, 0, 0, 0, 0x40]))
        #expect(try unordered.tensor("f").item == 2)
        #expect(try unordered.int8Tensor("i").values == [-7])
        // Escapes in names, an empty name, and two empty tensors sharing an offset.
        let names = try SafeTensorsFile.parse(bytes: file(
            "{\"a\\u00e9\\n\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"\":{\"dtype\":\"U8\",\"shape\":[0,5],\"data_offsets\":[0,0]}}"))
        #expect(Set(names.tensors.keys) == ["a\u{E9}\n", ""])
    }
}

// SafeTensors reader and writer: round trips, byte-for-byte agreement with files written by
// Python's `safetensors` (fixtures made by Fixtures/make_safetensors_fixture.py), and the
// accessors' errors. Broken files: SafeTensorsErrorTests; random damage: SafeTensorsFuzzTests.

import Foundation
import Testing
@testable import Tapestry

private func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return [UInt8](try Data(contentsOf: url))
}

/// Little-endian bytes of fixed-width values, for building expected files by hand.
private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian, Array.init) }
}

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "tapestry-safetensors-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct SafeTensorsTests {
    // MARK: Round trips

    @Test func roundTripKeepsTensorsAndMetadata() throws {
        var generator = RandomGenerator(seed: 7)
        var original = SafeTensorsFile(metadata: ["step": "1200", "config": "{\"n_embd\": 128}", "empty": ""])
        original.tensors["wte"] = StoredTensor(Tensor.randomNormal([5, 3], using: &generator))
        original.tensors["b"] = StoredTensor(Tensor.randomNormal([7], using: &generator))
        original.tensors["scalar"] = StoredTensor(Tensor(2.5))
        original.tensors["nothing"] = StoredTensor(Tensor(zeros: [0, 4]))
        original.tensors["q.weight"] = StoredTensor(int8: [-128, -1, 0, 1, 127, 5], shape: [2, 3])

        let back = try SafeTensorsFile.parse(bytes: try original.serialized())
        #expect(back.tensors == original.tensors)
        #expect(back.metadata == original.metadata)
        #expect(try back.tensor("wte") == Tensor(shape: [5, 3], scalars: original.tensors["wte"]!.floatValues!))
        #expect(try back.tensor("scalar").shape == [])
        #expect(try back.tensor("nothing").shape == [0, 4])
        #expect(try back.int8Tensor("q.weight").values == [-128, -1, 0, 1, 127, 5])
    }

    @Test func writeThenReadFromDisk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.safetensors"
        let weights = Tensor([[1, -2, 3.25], [0.5, 0, -0.125]])
        try SafeTensorsFile(floatTensors: ["w": weights], metadata: ["k": "v"]).write(to: path)
        let back = try SafeTensorsFile.read(path: path)
        #expect(try back.tensor("w") == weights)
        #expect(back.metadata == ["k": "v"])
        #expect(back.source == path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.safetensors"])
    }

    @Test func emptyFileMatchesTheRustCrateTest() throws {
        // From safetensors/src/tensor.rs `test_empty`: "{}" padded with 6 spaces.
        #expect(try SafeTensorsFile().serialized() == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
    }

    // MARK: Agreement with Python

    @Test func writerMatchesPythonFloat32FixtureByteForByte() throws {
        // The same tensors as make_safetensors_fixture.py, built here from its formulas.
        let file = SafeTensorsFile(floatTensors: [
            "wte": Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0) * 0.25 - 1 }),
            "ln_f.bias": Tensor([0.5, -1.5, 3.0]),
            "scalar": Tensor(3.5),
            "empty": Tensor(zeros: [0, 2]),
            "h.0.attn.c_attn.weight": Tensor(shape: [2, 2, 2], scalars: (0..<8).map { Float($0) / 8 }),
            "na\u{EF}ve \u{2603}": Tensor([1, 2]),
        ], metadata: [
            "format": "pt",
            "config": "{\"n_layer\": 2, \"note\": \"tab\\there\"}",
            "step": "100\n\u{E9}\u{01}",
        ])
        #expect(try file.serialized() == fixture("safetensors_f32.safetensors"))
    }

    @Test func writerMatchesPythonInt8FixtureByteForByte() throws {
        let file = SafeTensorsFile(tensors: [
            "weight": StoredTensor(int8: (-6..<6).map { Int8($0) }, shape: [3, 4]),
            "scale": StoredTensor(Tensor([0.5, 0.25, 0.125])),
        ], metadata: ["quantization": "int8-rowwise"])
        #expect(try file.serialized() == fixture("safetensors_int8.safetensors"))
    }

    @Test func writerMatchesPythonLayoutOrderForEveryDType() throws {
        // Bit patterns written out by hand, so this test does not depend on the reader.
        let file = SafeTensorsFile(tensors: [
            "f64": StoredTensor(dtype: .float64, shape: [2], bytes: littleEndianBytes([Double(1.5).bitPattern, Double(-2.25).bitPattern])),
            "i64": StoredTensor(dtype: .int64, shape: [1], bytes: littleEndianBytes([Int64(-5)])),
            "f32": StoredTensor(Tensor([0.1])),
            "i32": StoredTensor(dtype: .int32, shape: [2], bytes: littleEndianBytes([Int32(-7), 1 << 24])),
            "bf16": StoredTensor(dtype: .bfloat16, shape: [2], bytes: littleEndianBytes([UInt16(0x3F80), 0xC040])),
            "f16": StoredTensor(dtype: .float16, shape: [4], bytes: littleEndianBytes([UInt16(0x3C00), 0xB800, 0x7BFF, 0x0001])),
            "i16": StoredTensor(dtype: .int16, shape: [2], bytes: littleEndianBytes([Int16(-300), 300])),
            "u8": StoredTensor(dtype: .uint8, shape: [3], bytes: [0, 1, 255]),
            "flag": StoredTensor(dtype: .bool, shape: [2], bytes: [1, 0]),
        ])
        #expect(try file.serialized() == fixture("safetensors_dtypes.safetensors"))
    }

    @Test func readingPythonFixturesGivesTheirValues() throws {
        let f32 = try SafeTensorsFile.parse(bytes: fixture("safetensors_f32.safetensors"), source: "f32")
        #expect(f32.names == ["empty", "h.0.attn.c_attn.weight", "ln_f.bias", "na\u{EF}ve \u{2603}", "scalar", "wte"])
        #expect(try f32.tensor("wte") == Tensor([[-1, -0.75, -0.5], [-0.25, 0, 0.25], [0.5, 0.75, 1], [1.25, 1.5, 1.75]]))
        #expect(try f32.tensor("h.0.attn.c_attn.weight") == Tensor([[[0, 0.125], [0.25, 0.375]], [[0.5, 0.625], [0.75, 0.875]]]))
        #expect(try f32.tensor("scalar").shape == [])
        #expect(try f32.tensor("scalar").item == 3.5)
        #expect(try f32.tensor("empty").shape == [0, 2])
        #expect(f32.metadata == ["format": "pt", "config": "{\"n_layer\": 2, \"note\": \"tab\\there\"}", "step": "100\n\u{E9}\u{01}"])

        let int8 = try SafeTensorsFile.parse(bytes: fixture("safetensors_int8.safetensors"), source: "int8")
        #expect(try int8.int8Tensor("weight").values == [-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5])
        #expect(try int8.int8Tensor("weight").shape == [3, 4])
        #expect(try int8.floatTensor("weight")[2, 3] == 5)
        #expect(try int8.tensor("scale") == Tensor([0.5, 0.25, 0.125]))

        let dtypes = try SafeTensorsFile.parse(bytes: fixture("safetensors_dtypes.safetensors"), source: "dtypes")
        #expect(try dtypes.floatTensor("f64").scalars == [1.5, -2.25])
        #expect(try dtypes.floatTensor("f16").scalars == [1, -0.5, 65504, 0x1p-24])
        #expect(try dtypes.floatTensor("bf16").scalars == [1, -3])
        #expect(try dtypes.floatTensor("i32").scalars == [-7, 16_777_216])
        #expect(try dtypes.floatTensor("i64").scalars == [-5])
        #expect(try dtypes.floatTensor("i16").scalars == [-300, 300])
        #expect(try dtypes.floatTensor("u8").scalars == [0, 1, 255])
        #expect(try dtypes.floatTensor("flag").scalars == [1, 0])
        #expect(try dtypes.tensor("f32").scalars == [0.1])
    }

    @Test func rewritingEachFixtureReproducesIt() throws {
        for name in ["safetensors_f32.safetensors", "safetensors_int8.safetensors", "safetensors_dtypes.safetensors"] {
            let bytes = try fixture(name)
            #expect(try SafeTensorsFile.parse(bytes: bytes, source: name).serialized() == bytes, "\(name)")
        }
    }

    @Test func halfPrecisionConversionCoversSpecialValues() {
        #expect(floatFromHalfBits(0x0000) == 0)
        #expect(floatFromHalfBits(0x8000).sign == .minus)
        #expect(floatFromHalfBits(0x03FF) == 1023 * 0x1p-24)   // largest subnormal
        #expect(floatFromHalfBits(0x0400) == 0x1p-14)          // smallest normal
        #expect(floatFromHalfBits(0x3555) == 0.333251953125)
        #expect(floatFromHalfBits(0x7C00) == .infinity)
        #expect(floatFromHalfBits(0xFC00) == -.infinity)
        #expect(floatFromHalfBits(0x7E00).isNaN)
    }

    // MARK: Accessor errors

    @Test func accessorsNameTheTensorAndTheProblem() throws {
        let file = try SafeTensorsFile.parse(bytes: fixture("safetensors_int8.safetensors"), source: "q.safetensors")
        let missing = #expect(throws: SafeTensorsError.self) { try file.tensor("lm_head.weight") }
        #expect(missing?.reason == .tensorNotFound)
        #expect(missing?.description == "q.safetensors: no tensor named \"lm_head.weight\" (the file has 2: \"scale\", \"weight\")")
        let wrong = #expect(throws: SafeTensorsError.self) { try file.tensor("weight") }
        #expect(wrong?.description == "q.safetensors: tensor \"weight\" is I8 [3, 4], expected F32")
        let notInt8 = #expect(throws: SafeTensorsError.self) { try file.int8Tensor("scale") }
        #expect(notInt8?.reason == .wrongDType)
        let fp8 = SafeTensorsFile(tensors: ["x": StoredTensor(dtype: .float8E4M3, shape: [1], bytes: [0])])
        #expect(throws: SafeTensorsError.self) { try fp8.floatTensor("x") }
    }

    @Test func aTensorCannotBeNamedMetadata() {
        let file = SafeTensorsFile(floatTensors: ["__metadata__": Tensor([1])])
        let error = #expect(throws: SafeTensorsError.self) { try file.serialized() }
        #expect(error?.reason == .reservedName)
    }
}

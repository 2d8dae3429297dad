// Int8 per-row symmetric quantization (Checkpoint/QuantizedCheckpoint.swift): the worked example,
// the error bound, and loading a quantized checkpoint through ModelCheckpoint.load.

import Foundation
import Testing
import Tapestry
import TapestryText
@testable import TapestryGPT

@Suite struct QuantizationTests {
    @Test func workedExampleFromTheDocComment() {
        // Row 0: max |w| = 1.27, so scale 0.01 and q = round(w / 0.01). Row 1 is all zero: scale 1.
        let q = Int8Quantization.quantize(Tensor([[0.5, -1.27], [0, 0]]))
        #expect(q.values == [50, -127, 0, 0])
        #expect(abs(q.scales[0] - 0.01) < 1e-8 && q.scales[1] == 1)
        #expect(Int8Quantization.dequantize(q).isClose(to: Tensor([[0.5, -1.27], [0, 0]]), tolerance: 1e-6))
    }

    @Test func errorIsAtMostHalfAScalePerRow() {
        var generator = RandomGenerator(seed: 3)
        let w = Tensor.randomNormal([7, 33], std: 0.5, using: &generator)
        let q = Int8Quantization.quantize(w)
        let back = Int8Quantization.dequantize(q)
        for r in 0..<7 {
            let largest = (0..<33).map { abs(w[r, $0]) }.max()!
            #expect(abs(q.scales[r] - largest / 127) <= 1e-7 * largest)
            #expect((0..<33).contains { abs(Int(q.values[r * 33 + $0])) == 127 })   // the row's max maps to ±127
            for j in 0..<33 { #expect(abs(back[r, j] - w[r, j]) <= q.scales[r] / 2 * 1.0001) }
        }
    }

    @Test func loadDequantizesAndRejectsInt8WithoutMetadata() throws {
        let model = GPT(config: GPTConfig(blockSize: 8, vocabSize: 5, nLayer: 1, nHead: 2, nEmbd: 8), seed: 1)
        let tokenizer = try CharTokenizer(corpus: "abcde")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quantization-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("model.safetensors").path
        let quantized = directory.appendingPathComponent("model-int8.safetensors").path
        try ModelCheckpoint.save(model, tokenizer: tokenizer, iteration: 3, valLoss: 1.5, to: plain)
        try Int8Quantization.save(model, metadata: try SafeTensorsFile.read(path: plain).metadata, to: quantized)

        let loaded = try ModelCheckpoint.load(path: quantized)
        #expect(loaded.iteration == 3 && loaded.metadata["quantization"] == Int8Quantization.scheme)
        for (a, b) in zip(model.parameters, loaded.model.parameters) {
            if a.value.rank == 2 {
                #expect(b.value == Int8Quantization.dequantize(Int8Quantization.quantize(a.value)), "\(a.name)")
            } else {
                #expect(b.value == a.value, "\(a.name) stays float32")
            }
        }

        // The same tensors without the metadata: I8 must not load as plain integers.
        var file = try SafeTensorsFile.read(path: quantized)
        file.metadata["quantization"] = nil
        let stripped = directory.appendingPathComponent("stripped.safetensors").path
        try file.write(to: stripped)
        #expect { _ = try ModelCheckpoint.load(path: stripped) } throws: {
            "\($0)".contains("is I8 but the metadata has no 'quantization'")
        }
    }
}

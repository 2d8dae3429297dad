// quantize: int8 per-row symmetric quantization of a checkpoint, and what it costs.
//
//   swift run quantize                                  out/model.safetensors → out/model-int8.safetensors
//   swift run sample --checkpoint out/model-int8.safetensors
//
// The math and the file format live in the library (TapestryGPT/Checkpoint/QuantizedCheckpoint.swift),
// because `ModelCheckpoint.load` must read the result too. This program quantizes, writes, reads
// the file back the way `sample` does, and reports: the error of every quantized tensor, the
// file-size ratio, and the val loss before and after on the very same val batches.
// Errors are one line on stderr, `error: quantize: ...`, as in `train` and `sample`. Exit status:
// 0 success; 2 misuse (a bad flag, a missing or bad checkpoint or corpus, an --out that cannot be
// written: checked before any work); 1 a file that could not be written.

import Foundation
import Tapestry
import TapestryGPT
import TapestryText

func fail(_ error: any Error) -> Never {
    if let error = error as? TrainError { exitWithError("quantize: \(error)", code: error.exitCode) }
    exitWithError("quantize: \(error)", code: error is TapestryGPT.UsageError ? 2 : 1)
}

let options: QuantizeOptions
do {
    var parsed = QuantizeOptions()
    guard let result = try parseFlags(Array(CommandLine.arguments.dropFirst()), flags: QuantizeOptions.flags,
                                      into: &parsed) else {
        print(QuantizeOptions.help)
        exit(0)
    }
    options = result
    try checkOutputFile(options.outputPath, flag: "out")
} catch { fail(error) }

// MARK: - Quantize, write, read back

let original: ModelCheckpoint.Loaded
if !FileManager.default.fileExists(atPath: options.checkpoint) {
    exitWithError("quantize: \(options.checkpoint): file not found (make one with: swift run train)", code: 2)
}
do { original = try ModelCheckpoint.load(path: options.checkpoint) } catch { fail(error) }
if original.metadata["quantization"] != nil {
    exitWithError("quantize: \(options.checkpoint) is already quantized; pass the float32 checkpoint", code: 2)
}
let config = original.model.config
// The val batches come first: a bad --corpus is misuse, found before anything is written.
let batches: [Batch]
do {
    batches = try valBatches(corpus: options.corpus, tokenizer: original.tokenizer, count: options.batches,
                             batchSize: options.batchSize, time: config.blockSize, seed: options.seed)
} catch { fail(error) }
print("quantize: \(options.checkpoint) (iteration \(original.iteration), \(config.nLayer) layers, "
    + "n_embd \(config.nEmbd), \(original.model.parameterCount) parameters)")

let outputPath = options.outputPath
do { try Int8Quantization.save(original.model, metadata: original.metadata, to: outputPath) } catch { fail(error) }
let quantized: ModelCheckpoint.Loaded
do { quantized = try ModelCheckpoint.load(path: outputPath) } catch { fail(error) }   // as `sample` reads it

// MARK: - Weight error, tensor by tensor

print("")
print(pad("tensor", 42) + pad("shape", 12) + pad("max |w|", 11) + pad("max |error|", 13) + "bound max(scale)/2")
var worst: (error: Float, name: String) = (0, "")
var keptCount = 0, keptNumbers = 0
for (before, after) in zip(original.model.parameters, quantized.model.parameters) {
    guard before.value.rank == 2 else {
        keptCount += 1
        keptNumbers += before.count
        continue
    }
    var largest: Float = 0, error: Float = 0
    for i in 0..<before.count {
        largest = max(largest, abs(before.value[flat: i]))
        error = max(error, abs(before.value[flat: i] - after.value[flat: i]))
    }
    let bound = Int8Quantization.quantize(before.value).scales.max()! / 2
    if error > worst.error { worst = (error, before.name) }
    print(pad(before.name, 42) + pad("\(before.value.shape)", 12) + pad(format(largest), 11)
        + pad(format(error), 13) + format(bound))
}
print("(\(keptCount) bias and LayerNorm tensors, \(keptNumbers) numbers, stay float32)")

// MARK: - File size

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}
let sizeBefore = fileSize(options.checkpoint), sizeAfter = fileSize(outputPath)
print("")
print("wrote \(outputPath)")
print("file size: \(sizeBefore) → \(sizeAfter) bytes, ratio \(String(format: "%.3f", Double(sizeAfter) / Double(sizeBefore)))")
print("max absolute weight error: \(format(worst.error)) (\(worst.name))")

// MARK: - Val loss before and after, on the same batches

let lossBefore = meanLoss(original.model, batches: batches)
let lossAfter = meanLoss(quantized.model, batches: batches)
print("val loss on the same \(batches.count) batches of \(options.batchSize) × \(config.blockSize) tokens: "
    + "float32 \(String(format: "%.4f", lossBefore)), int8 \(String(format: "%.4f", lossAfter)) "
    + "(\(String(format: "%+.4f", lossAfter - lossBefore)))")
print("sample from it: swift run sample --checkpoint \(outputPath)")

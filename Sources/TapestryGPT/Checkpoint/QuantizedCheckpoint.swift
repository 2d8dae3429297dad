// QuantizedCheckpoint: int8 per-row symmetric quantization of a GPT checkpoint, both ways.
//
// For each matrix W [rows, columns] (every Linear weight [out, in] and both embeddings):
//   scale_r = max_j |W_rj| / 127                 one Float32 per row (1 for an all-zero row)
//   q_rj    = round(W_rj / scale_r)              an Int8 in −127...127 ("symmetric": no zero point)
//   W_rj   ≈ q_rj · scale_r                      error at most scale_r / 2 per element
// Per row, not per tensor: one outlier only coarsens its own row. Biases and LayerNorm
// parameters are tiny vectors and stay Float32.
//
// File layout (safetensors): the quantized weight under its usual name as I8 [rows, columns],
// its scales under `<name>.scale` as F32 [rows], every other tensor as F32. The metadata is the
// original checkpoint's plus `quantization` = "int8-per-row-symmetric", so the file still
// carries its config and tokenizer, and `ModelCheckpoint.load` reads it by dequantizing
// (`readModelTensors`): `swift run sample` accepts either file.
// What it is not: int8 inference. The weights are turned back into Float32 when loaded; the
// saving is in the file (about 4× smaller), not in the arithmetic.
// Lesson: notebooks-md/12-quantization-context.md

import Tapestry

/// Int8 per-row symmetric quantization of weight matrices.
public enum Int8Quantization {
    /// The `quantization` metadata value of a file written by `save`.
    public static let scheme = "int8-per-row-symmetric"
    /// Suffix of the tensor holding a quantized weight's per-row scales.
    public static let scaleSuffix = ".scale"

    /// A quantized matrix: `values` row-major [rows, columns], one scale per row.
    public struct Matrix: Equatable, Sendable {
        public let values: [Int8]
        public let shape: [Int]
        public let scales: [Float]

        public init(values: [Int8], shape: [Int], scales: [Float]) {
            self.values = values
            self.shape = shape
            self.scales = scales
        }
    }

    /// Quantizes a rank-2 tensor row by row: scale_r = max|W_r| / 127, q = round(W / scale_r).
    ///
    /// ```swift
    /// let q = Int8Quantization.quantize(Tensor([[0.5, -1.27], [0, 0]]))
    /// q.scales   // [0.01, 1]      (1 for the all-zero row, so dequantizing gives 0 without 0/0)
    /// q.values   // [50, -127, 0, 0]
    /// ```
    public static func quantize(_ tensor: Tensor) -> Matrix {
        precondition(tensor.rank == 2, "Int8Quantization: expected a matrix [rows, columns], got \(tensor.shape)")
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        var values = [Int8](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 1, count: rows)
        for r in 0..<rows {
            let row = tensor.pointer + r * columns
            var largest: Float = 0
            for j in 0..<columns { largest = max(largest, abs(row[j])) }
            guard largest > 0 else { continue }                         // all zero: q = 0, scale 1
            let scale = largest / 127
            scales[r] = scale
            for j in 0..<columns {
                // |W / scale| ≤ 127 up to rounding; clamp so a rounding step cannot reach 128.
                values[r * columns + j] = Int8(max(-127, min(127, (row[j] / scale).rounded())))
            }
        }
        return Matrix(values: values, shape: tensor.shape, scales: scales)
    }

    /// W ≈ q · scale_r, row by row.
    public static func dequantize(_ matrix: Matrix) -> Tensor {
        let columns = matrix.shape[1]
        var out = Tensor(uninitializedShape: matrix.shape)
        out.withUnsafeMutableBufferPointer { w in
            for (index, q) in matrix.values.enumerated() {
                w[index] = Float(q) * matrix.scales[index / columns]
            }
        }
        return out
    }

    /// Writes `model` quantized: matrices as I8 plus `<name>.scale`, the rest as F32, with
    /// `metadata` (the original checkpoint's) plus `quantization`. Atomic.
    public static func save(_ model: GPT, metadata: [String: String], to path: String) throws {
        var tensors: [String: StoredTensor] = [:]
        for parameter in model.parameters {
            if parameter.value.rank == 2 {
                let matrix = quantize(parameter.value)
                tensors[parameter.name] = StoredTensor(int8: matrix.values, shape: matrix.shape)
                tensors[parameter.name + scaleSuffix] = StoredTensor(Tensor(matrix.scales))
            } else {
                tensors[parameter.name] = StoredTensor(parameter.value)
            }
        }
        var metadata = metadata
        metadata["quantization"] = scheme
        do { try SafeTensorsFile(tensors: tensors, metadata: metadata).write(to: path) }
        catch { throw TrainError("\(error)") }
    }
}

/// Reads a model file's tensors as Float32: plain F32 checkpoints as they are, and quantized
/// ones (metadata `quantization` = "int8-per-row-symmetric") by dequantizing each I8 weight
/// with its `<name>.scale`. An I8 tensor in a file without that metadata is an error: without
/// its scales it would silently load as integers.
func readModelTensors(_ path: String) throws -> TensorFile {
    let file: SafeTensorsFile
    do { file = try SafeTensorsFile.read(path: path) } catch { throw TrainError("\(error)", exitCode: 2) }
    let quantization = file.metadata["quantization"]
    if let quantization, quantization != Int8Quantization.scheme {
        throw TrainError("\(path): quantization '\(quantization)' is not supported "
            + "(this build reads '\(Int8Quantization.scheme)')", exitCode: 2)
    }
    var tensors: [String: Tensor] = [:]
    do {
        for name in file.names {
            let stored = try file.storedTensor(name)
            guard stored.dtype == .int8 else {
                let isScale = quantization != nil && name.hasSuffix(Int8Quantization.scaleSuffix)
                if !isScale { tensors[name] = try file.floatTensor(name) }
                continue
            }
            guard quantization != nil else {
                throw TrainError("\(path): tensor \(name) is I8 but the metadata has no "
                    + "'quantization' (expected '\(Int8Quantization.scheme)')", exitCode: 2)
            }
            let scaleName = name + Int8Quantization.scaleSuffix
            let (values, shape) = try file.int8Tensor(name)
            let scales = try file.tensor(scaleName)
            guard shape.count == 2, scales.shape == [shape[0]] else {
                throw TrainError("\(path): \(name) is I8 \(shape) and \(scaleName) is \(scales.shape); "
                    + "expected a matrix [rows, columns] and one scale per row [rows]", exitCode: 2)
            }
            tensors[name] = Int8Quantization.dequantize(.init(values: values, shape: shape, scales: scales.scalars))
        }
    } catch let error as TrainError {
        throw error
    } catch {
        throw TrainError("\(error)", exitCode: 2)
    }
    return TensorFile(tensors: tensors, metadata: file.metadata)
}

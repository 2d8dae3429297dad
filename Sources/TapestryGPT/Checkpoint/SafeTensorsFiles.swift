// SafeTensorsFiles: the GPT's view of safetensors: named Float32 tensors plus string
// metadata, with errors turned into one-line TrainErrors (exit code 2: a bad input file).

import Tapestry

/// Named F32 tensors and the metadata of one safetensors file.
public struct TensorFile {
    public let tensors: [String: Tensor]
    public let metadata: [String: String]
}

/// Reads every tensor of `path` as Float32.
public func readSafeTensors(_ path: String) throws -> TensorFile {
    do {
        let file = try SafeTensorsFile.read(path: path)
        var tensors: [String: Tensor] = [:]
        for name in file.names { tensors[name] = try file.floatTensor(name) }
        return TensorFile(tensors: tensors, metadata: file.metadata)
    } catch {
        throw TrainError("\(error)", exitCode: 2)
    }
}

/// Writes `tensors` (in the safetensors order: by dtype, then name) with `metadata`, atomically.
public func writeSafeTensors(_ tensors: [(String, Tensor)], metadata: [String: String], to path: String) throws {
    let file = SafeTensorsFile(floatTensors: Dictionary(uniqueKeysWithValues: tensors), metadata: metadata)
    do { try file.write(to: path) } catch { throw TrainError("\(error)") }
}

/// Writes bytes atomically (temp file, flush, rename).
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    do { try AtomicFile.write(bytes, to: path) } catch { throw TrainError("\(error)") }
}

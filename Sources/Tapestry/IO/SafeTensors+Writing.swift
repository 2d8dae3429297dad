// SafeTensors+Writing: serialize a SafeTensorsFile exactly as Python's safetensors does.
//
// What it is: the layout rules of the Rust crate behind `safetensors.torch.save_file`
// (`prepare` in safetensors/src/tensor.rs), so a Tapestry checkpoint and one written by
// PyTorch from the same tensors are the same bytes (checked against committed fixtures):
// - tensors sorted by dtype, largest alignment first (the Rust `Dtype` declaration order,
//   descending: F64 before F32 before F16 before I8), then by name in UTF-8 byte order;
// - data laid out back to back in that order, offsets counted from the data section;
// - compact JSON (no spaces), `__metadata__` first, then the tensors in layout order,
//   each as {"dtype":..,"shape":[..],"data_offsets":[b,e]};
// - the header padded with spaces to a multiple of 8 bytes, so the data section (and, with
//   the sort above, every tensor) starts 8-byte aligned.
// What it is not: a way to reproduce Python's metadata order. Python keeps `__metadata__` in
// a Rust HashMap, so its key order changes from run to run; this writer sorts the keys (in
// UTF-8 byte order), which is one of the orders Python produces. Empty metadata is omitted,
// as Python does for `metadata=None` (Python writes `"__metadata__":{}` for `metadata={}`).

extension SafeTensorsFile {
    /// The complete file: header length, header, data. Throws only for a tensor named
    /// `__metadata__`, which the format reserves.
    public func serialized() throws(SafeTensorsError) -> [UInt8] {
        guard tensors[Self.metadataKey] == nil else {
            throw SafeTensorsError(source: source, reason: .reservedName,
                                   detail: "a tensor cannot be named \"\(Self.metadataKey)\" (the format reserves it for metadata)")
        }
        let ordered = tensors.sorted { lhs, rhs in
            if lhs.value.dtype != rhs.value.dtype { return lhs.value.dtype > rhs.value.dtype }
            return lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
        }

        // Header JSON.
        var header: [UInt8] = [UInt8(ascii: "{")]
        var needsComma = false
        if !metadata.isEmpty {
            appendJSONString(Self.metadataKey, to: &header)
            header += Array(":{".utf8)
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { header.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                appendJSONString(metadata[key]!, to: &header)
            }
            header.append(UInt8(ascii: "}"))
            needsComma = true
        }
        var offset = 0
        for (name, tensor) in ordered {
            if needsComma { header.append(UInt8(ascii: ",")) }
            needsComma = true
            appendJSONString(name, to: &header)
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            let end = offset + tensor.bytes.count
            header += Array(":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}".utf8)
            offset = end
        }
        header.append(UInt8(ascii: "}"))
        // Pad with spaces (JSON whitespace) so the data section starts 8-byte aligned.
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

        // Length, header, data.
        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file += $0 }
        file += header
        for (_, tensor) in ordered { file += tensor.bytes }
        return file
    }

    /// Writes the file atomically (see `AtomicFile`). Errors are one line naming `path`.
    public func write(to path: String) throws(SafeTensorsError) {
        var named = self
        named.source = path
        let bytes = try named.serialized()
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw SafeTensorsError(source: path, reason: .writeFailed, detail: "cannot write: \(error.step): \(error.reason)")
        }
    }
}

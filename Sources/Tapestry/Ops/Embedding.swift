// Embedding: look up one row of a table per integer id (GPT's wte and wpe).
//
// Forward copies rows: out[n, :] = table[idₙ, :].
// Backward scatters them back: dtable[idₙ, :] += dout[n, :]. An id that occurs several times
// (the same character twice in a batch) receives the sum of its rows' gradients. The rows are
// added in order n = 0, 1, 2, ..., so the sum is the same on every run.
//
// Weight tying: GPT uses the same `wte` table here and in the output head, so the table's
// gradient arrives from two ops; both add into the same buffer (the tape's fan-out rule).
//
// What this is not: a one-hot matrix product (same result, V times the work), or padding_idx.
// Lesson: notebooks-md/02-embeddings.md, notebooks-md/03-positional-encodings.md

extension Variable {
    /// Rows of the table `self` [V, C] picked by `ids` (each in `0..<V`), whose shape is `shape`
    /// (e.g. `[B, T]`, with `shape.reduce(1, *) == ids.count`). Returns `[shape..., C]`.
    ///
    /// With table `[[0, 0], [1, 1], [2, 2]]`, `embedding([2, 0], shape: [2])` is `[[2, 2], [0, 0]]`.
    public func embedding(_ ids: [Int], shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        embedding(IndexBuffer(ids), shape: shape, file: file, line: line)
    }

    /// The same lookup, reading the ids from `ids` whenever it runs: a replayed recording
    /// (Tape.replay) picks up whatever the buffer holds then, checked again each time.
    public func embedding(_ ids: IndexBuffer, shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let table = self
        let vocabulary = table.shape.first ?? 0                             // V
        let channels = table.shape.count == 2 ? table.shape[1] : 0          // C
        let count = shape.reduce(1, *)                                      // N
        checkShapes { () throws(ShapeError) in
            try Shapes.require(table.shape, rank: 2, "table [V, C]", op: "embedding", file: file, line: line)
            guard shape.allSatisfy({ $0 >= 0 }), count == ids.count else {
                throw ShapeError(op: "embedding", "ids shape \(shape) holds \(count) ids, got \(ids.count)",
                                 file: file, line: line)
            }
        }
        let out = tape.allocate(shape + [channels])                         // [shape..., C]
        let tp = table.value.pointer, yp = out.storage.pointer
        func forward() {
            checkShapes { () throws(ShapeError) in                          // (again on every replay)
                try Shapes.requireIndices(ids.values, count: count, below: vocabulary, "id", at: "position",
                                          op: "embedding", file: file, line: line)
            }
            for (n, id) in ids.values.enumerated() {                        // out[n] = table[id]
                (yp + n * channels).update(from: tp + id * channels, count: channels)
            }
        }
        forward()

        return tape.record("embedding", inputs: [table], output: out, forward: forward) { dOut in
            guard let dTable = table.tape.gradientPointer(table) else { return }
            for (n, id) in ids.values.enumerated() {                        // dtable[id] += dout[n]
                Kernels.add(dOut + n * channels, into: dTable + id * channels, count: channels)
            }
        }
    }
}

// Linear: y = x · Wᵀ + b, the affine map of every nn.Linear (PyTorch weight layout [out, in]).
//
// Forward and backward side by side. With x [N, in], W [out, in], b [out], y [N, out]:
//   y  = x · Wᵀ + b          one GEMM (A·Bᵀ form) plus a bias add per row
//   dx += dy · W             (A·B form)     d(x·Wᵀ)/dx contracts dy with W
//   dW += dyᵀ · x            (Aᵀ·B form)    each output row j collects Σ_n dy[n, j] x[n, :]
//   db += Σ_n dy[n, :]       the bias was broadcast over the N rows, so its gradient sums them
// Leading dimensions of x are flattened: x [B, T, in] is treated as [B·T, in].
// Lesson: notebooks-md/04-the-tape.md

extension Variable {
    /// `self · weightᵀ + bias` where `self` is [..., in], `weight` is [out, in] and `bias` is
    /// [out] (or nil). Returns [..., out].
    public func linear(weight: Variable, bias: Variable?,
                       file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let inFeatures = weight.shape.count == 2 ? weight.shape[1] : -1
        let outFeatures = weight.shape.first ?? -1
        checkShapes { () throws(ShapeError) in
            try Shapes.require(weight.shape, rank: 2, "weight [out, in]", op: "linear", file: file, line: line)
            guard x.shape.last == inFeatures else {
                throw ShapeError(op: "linear", "input \(x.shape) has last dimension \(x.shape.last ?? 0), weight \(weight.shape) expects \(inFeatures)",
                                 file: file, line: line)
            }
            if let bias {
                try Shapes.require(bias.shape, vectorOf: outFeatures, "bias", op: "linear", file: file, line: line)
            }
        }
        let rows = x.value.count / Swift.max(inFeatures, 1)                 // N = B·T
        var outShape = x.shape
        outShape[outShape.count - 1] = outFeatures                          // [..., out]
        let y = tape.allocate(outShape)
        let yp = y.storage.pointer

        // Forward: y[N, out] = x[N, in] · Wᵀ[in, out], then + b on every row.
        func forward() {
            GEMM.multiply(m: rows, n: outFeatures, k: inFeatures,
                          a: x.value.pointer, transposeA: false,
                          b: weight.value.pointer, transposeB: true,
                          c: yp, accumulate: false)
            if let bias {
                Kernels.addRowVector(bias.value.pointer, to: yp, rows: rows, columns: outFeatures)
            }
        }
        forward()

        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return tape.record("linear", inputs: inputs, output: y, forward: forward) { dy in
            if let dx = x.tape.gradientForWriting(x) {                      // dx[N, in] += dy[N, out] · W[out, in]
                GEMM.multiply(m: rows, n: inFeatures, k: outFeatures,       // (= when dx is still empty)
                              a: dy, transposeA: false, b: weight.value.pointer, transposeB: false,
                              c: dx.pointer, accumulate: dx.accumulate)
            }
            if let dW = x.tape.gradientPointer(weight) {                    // dW[out, in] += dyᵀ[out, N] · x[N, in]
                GEMM.multiply(m: outFeatures, n: inFeatures, k: rows,
                              a: dy, transposeA: true, b: x.value.pointer, transposeB: false,
                              c: dW, accumulate: true)
            }
            if let bias, let db = x.tape.gradientPointer(bias) {            // db[out] += Σ_rows dy
                Kernels.addColumnSums(of: dy, rows: rows, columns: outFeatures, into: db)
            }
        }
    }
}

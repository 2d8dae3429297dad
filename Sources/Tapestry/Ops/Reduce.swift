// Reduce: sum, mean and max over all elements or along one axis.
//
// Seen as [outer, n, inner] around the axis (`AxisView`), with y [outer, inner]:
//   sum   y[o, i] = Σ_k x[o, k, i]         dx[o, k, i] += dy[o, i]         (d(Σx)/dx_k = 1)
//   mean  y[o, i] = Σ_k x[o, k, i] / n     dx[o, k, i] += dy[o, i] / n
//   max   y[o, i] = max_k x[o, k, i]       dx[o, k*, i] += dy[o, i]        k* = first argmax
// A sum adds the rows in index order, so the result never depends on the thread count.
// `keepingDimension: true` keeps the axis with size 1 ([B, T, C] -> [B, T, 1]), ready to
// broadcast against the input. Negative axes count from the end.
// What it is not: a general multi-axis reduction; reduce one axis at a time.

extension Shapes {
    /// The shape after reducing `axis`: removed, or kept with size 1.
    public static func reduce(_ shape: [Int], axis: Int, keepingDimension: Bool, op: String,
                              file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> [Int] {
        let d = try Shapes.axis(axis, rank: shape.count, op: op, file: file, line: line)
        var result = shape
        if keepingDimension { result[d] = 1 } else { result.remove(at: d) }
        return result
    }
}

/// The reduction loops, shared by `Variable` and `Tensor`.
enum Reduction {
    /// Σ x[i]. Sixteen running sums (one per SIMD lane) so the loop vectorizes, then a halving
    /// tree; the order is fixed, so the result is reproducible.
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var total = horizontalSum(lanes)
        while i < count { total += x[i]; i += 1 }
        return total
    }

    /// The sum of the 16 lanes as a halving tree (stdlib `.sum()` compiles to scalar code).
    @inline(__always)
    static func horizontalSum(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf, four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// y[o, i] = scale · Σ_k x[o, k, i]. Rows are added in order k = 0, 1, 2, ...
    static func sum(_ x: UnsafePointer<Float>, _ view: AxisView, scale: Float, into y: UnsafeMutablePointer<Float>) {
        let (n, inner) = (view.length, view.inner)
        for o in 0..<view.outer {
            let out = y + o * inner, block = x + o * n * inner
            if inner == 1 {                                                 // reducing the last axis
                out[0] = sum(block, count: n) * scale
                continue
            }
            out.update(repeating: 0, count: inner)
            for k in 0..<n {
                let row = block + k * inner
                for i in 0..<inner { out[i] += row[i] }
            }
            if scale != 1 { for i in 0..<inner { out[i] *= scale } }
        }
    }

    /// dx[o, k, i] += scale · dy[o, i]: the backward of `sum` (and of `mean` with scale 1/n).
    static func broadcastAdd(_ dy: UnsafePointer<Float>, _ view: AxisView, scale: Float,
                             into dx: UnsafeMutablePointer<Float>) {
        let (n, inner) = (view.length, view.inner)
        for o in 0..<view.outer {
            let from = dy + o * inner
            for k in 0..<n {
                let row = dx + (o * n + k) * inner
                for i in 0..<inner { row[i] += scale * from[i] }
            }
        }
    }

    /// y[o, i] = max_k x[o, k, i], and (if `argmax` is given) the first k reaching it, stored
    /// as a Float (exact below 2²⁴) so the indices can live in a pooled tensor. Needs n ≥ 1.
    static func max(_ x: UnsafePointer<Float>, _ view: AxisView, into y: UnsafeMutablePointer<Float>,
                    argmax: UnsafeMutablePointer<Float>?) {
        let (n, inner) = (view.length, view.inner)
        for o in 0..<view.outer {
            let best = y + o * inner, block = x + o * n * inner
            if inner == 1 {                                                 // the max of one row
                let (value, index) = rowMax(block, count: n)
                best[0] = value
                argmax?[o] = Float(index)
                continue
            }
            best.update(from: block, count: inner)
            argmax?.advanced(by: o * inner).update(repeating: 0, count: inner)
            for k in 1..<n {
                let row = block + k * inner
                if let argmax {
                    let at = argmax + o * inner, position = Float(k)
                    for i in 0..<inner {                                    // strict >: ties keep the first
                        let better = row[i] > best[i]
                        best[i] = better ? row[i] : best[i]
                        at[i] = better ? position : at[i]
                    }
                } else {
                    for i in 0..<inner { best[i] = row[i] > best[i] ? row[i] : best[i] }
                }
            }
        }
    }

    /// The largest of x[0..<count] and the first index holding it: one vectorized pass for
    /// the value (16 running maxima), then a scan that stops at its first occurrence.
    /// (NaNs are skipped: no comparison with NaN is true.)
    static func rowMax(_ x: UnsafePointer<Float>, count: Int) -> (value: Float, index: Int) {
        var lanes = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            lanes.replace(with: v, where: v .> lanes)
            i += 16
        }
        var value = -Float.infinity
        for lane in 0..<16 where lanes[lane] > value { value = lanes[lane] }
        while i < count { if x[i] > value { value = x[i] }; i += 1 }
        let index = (0..<count).first { x[$0] == value } ?? 0
        return (value, index)
    }
}

extension Variable {
    /// Σ of all elements, shape `[]`. d(Σx)/dx = 1 for every element.
    public func sum() -> Variable {
        reduceAll("sum", scale: 1)
    }

    /// The mean of all elements, shape `[]`. d(mean)/dx = 1/count.
    public func mean() -> Variable {
        reduceAll("mean", scale: 1 / Float(Swift.max(value.count, 1)))
    }

    /// Σ along `axis`: `[B, T, C].sum(axis: -1)` is `[B, T]` (or `[B, T, 1]` when keeping).
    public func sum(axis: Int, keepingDimension: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        reduceAxis("sum", axis: axis, keepingDimension: keepingDimension, mean: false, file: file, line: line)
    }

    /// The mean along `axis`: the sum times 1/n, n the axis length. d(mean)/dx = 1/n.
    public func mean(axis: Int, keepingDimension: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Variable {
        reduceAxis("mean", axis: axis, keepingDimension: keepingDimension, mean: true, file: file, line: line)
    }

    /// The maximum along `axis`. The gradient goes to the first position holding the maximum.
    public func max(axis: Int, keepingDimension: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let (outShape, view) = checkShapes { () throws(ShapeError) in
            let outShape = try Shapes.reduce(x.shape, axis: axis, keepingDimension: keepingDimension,
                                             op: "max", file: file, line: line)
            let view = AxisView(x.shape, axis: try Shapes.axis(axis, rank: x.shape.count, op: "max", file: file, line: line))
            guard view.length > 0 else {
                throw ShapeError(op: "max", "cannot take the max over axis \(axis) of size 0 in \(x.shape)", file: file, line: line)
            }
            return (outShape, view)
        }
        let y = tape.allocate(outShape)
        let needsGradient = tape.isRecording && x.requiresGradient
        let argmax = needsGradient ? tape.allocate(outShape) : nil          // [outer, inner] indices k*
        func forward() { Reduction.max(x.value.pointer, view, into: y.storage.pointer, argmax: argmax?.storage.pointer) }
        forward()
        return tape.record("max", inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x), let argmax else { return }
            for o in 0..<view.outer {                                       // dx[o, k*, i] += dy[o, i]
                for i in 0..<view.inner {
                    let k = Int(argmax.pointer[o * view.inner + i])
                    dx[(o * view.length + k) * view.inner + i] += dy[o * view.inner + i]
                }
            }
        }
    }

    private func reduceAll(_ op: StaticString, scale: Float) -> Variable {
        let x = self
        let y = tape.allocate([])
        func forward() { y.storage.pointer[0] = Reduction.sum(x.value.pointer, count: x.value.count) * scale }
        forward()
        return tape.record(op, inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }
            let g = dy[0] * scale                                          // dx += dy · scale
            for i in 0..<x.value.count { dx[i] += g }
        }
    }

    private func reduceAxis(_ op: StaticString, axis: Int, keepingDimension: Bool, mean: Bool,
                            file: StaticString, line: UInt) -> Variable {
        let x = self
        let (outShape, d) = checkShapes { () throws(ShapeError) in
            (try Shapes.reduce(x.shape, axis: axis, keepingDimension: keepingDimension, op: "\(op)", file: file, line: line),
             try Shapes.axis(axis, rank: x.shape.count, op: "\(op)", file: file, line: line))
        }
        let view = AxisView(x.shape, axis: d)
        let scale = mean ? 1 / Float(Swift.max(view.length, 1)) : 1
        let y = tape.allocate(outShape)
        func forward() { Reduction.sum(x.value.pointer, view, scale: scale, into: y.storage.pointer) }
        forward()
        return tape.record(op, inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }       // dx[o, k, i] += scale · dy[o, i]
            Reduction.broadcastAdd(dy, view, scale: scale, into: dx)
        }
    }
}

// MARK: - Plain tensors (no tape)

extension Tensor {
    /// Σ along `axis` (negatives count from the end), through the same loop as `Variable.sum`.
    public func sum(axis: Int, keepingDimension: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (outShape, d) = checkShapes { () throws(ShapeError) in
            (try Shapes.reduce(shape, axis: axis, keepingDimension: keepingDimension, op: "sum", file: file, line: line),
             try Shapes.axis(axis, rank: rank, op: "sum", file: file, line: line))
        }
        let y = Tensor(uninitializedShape: outShape)
        Reduction.sum(pointer, AxisView(shape, axis: d), scale: 1, into: y.storage.pointer)
        return y
    }
}

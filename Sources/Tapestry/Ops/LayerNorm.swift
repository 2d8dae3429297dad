// LayerNorm over the last axis, forward and backward fused (as in llm.c).
//
// For one row x of C values:
//   μ = mean(x)    σ² = mean((x − μ)²)    rstd = 1/√(σ² + ε)
//   x̂ = (x − μ) · rstd                     y = x̂ ⊙ weight + bias
// Forward caches μ and rstd per row (two floats per row), so backward can rebuild x̂ from x.
//
// Backward, with dŷ = dy ⊙ weight (the gradient reaching x̂):
//   dx = rstd · (dŷ − mean(dŷ) − x̂ · mean(dŷ ⊙ x̂))
// Derivation: x̂ⱼ = (xⱼ − μ)·rstd depends on every xᵢ through μ and rstd.
//   ∂μ/∂xᵢ = 1/C contributes −mean(dŷ); ∂rstd/∂xᵢ = −rstd³(xᵢ − μ)/C contributes
//   −x̂ᵢ·mean(dŷ ⊙ x̂). Leaving out either term is the classic LayerNorm bug (GradCheckTests
//   shows the gradient check catching the missing mean term).
//   dweight = Σ_rows dy ⊙ x̂      dbias = Σ_rows dy
//
// Determinism: dweight and dbias sum over all rows. Rows are cut into fixed blocks of
// `rowsPerBlock`; each block sums into its own partial, and the partials are added in block
// order. The blocks do not depend on the thread count, so neither do the sums.
//
// The variance is computed in two passes (mean first, then squared deviations), which stays
// accurate when the row has a large mean; E[x²] − E[x]² would cancel catastrophically.
//
// What this is not: RMSNorm, or normalization over more than the last axis.
// Lesson: notebooks-md/07-feed-forward-layernorm.md

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Variable {
    /// Layer normalization over the last axis: `y = (x − μ)/√(σ² + ε) ⊙ weight + bias`, with μ
    /// and σ² (biased) taken over each row of `self` [..., C]; `weight` and `bias` are [C].
    ///
    /// With weight 1 and bias 0, `[1, 2, 3]` becomes `[-1.2247, 0, 1.2247]`.
    public func layerNorm(weight: Variable, bias: Variable, epsilon: Float = 1e-5,
                          file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        let channels = RowMath.lastAxis(of: x.shape, op: "layerNorm", file: file, line: line)   // C
        checkShapes { () throws(ShapeError) in
            try Shapes.require(weight.shape, vectorOf: channels, "weight", op: "layerNorm", file: file, line: line)
            try Shapes.require(bias.shape, vectorOf: channels, "bias", op: "layerNorm", file: file, line: line)
        }
        let rows = x.value.count / channels                                     // N = B·T
        let y = tape.allocate(x.shape)                                          // [..., C]
        let statistics = tape.allocate([rows, 2])                               // [N, (μ, rstd)]
        let xp = x.value.pointer, yp = y.storage.pointer, sp = statistics.storage.pointer
        let wp = weight.value.pointer, bp = bias.value.pointer

        func forward() {
            RowMath.forEachRowRange(rows: rows, columns: channels,
                                    LayerNormRows(x: xp, weight: wp, bias: bp, epsilon: epsilon, y: yp,
                                                  statistics: sp, channels: channels))
        }
        forward()

        return tape.record("layerNorm", inputs: [x, weight, bias], output: y, forward: forward) { dy in
            let dx = x.tape.gradientPointer(x)
            let dWeight = x.tape.gradientPointer(weight), dBias = x.tape.gradientPointer(bias)
            let needParameters = dWeight != nil || dBias != nil
            let sp = statistics.pointer
            let blocks = (rows + LayerNormBackward.rowsPerBlock - 1) / LayerNormBackward.rowsPerBlock
            // One partial [2, C] per block: Σ dy ⊙ x̂ then Σ dy over the block's rows (in the
            // tape's workspace, given back when this returns).
            x.tape.withWorkspace(count: needParameters ? blocks * 2 * channels : 0) { workspace in
                let partialPointer = needParameters ? workspace : nil
                RowMath.forEachRowRange(rows: blocks, columns: LayerNormBackward.rowsPerBlock * channels,
                                        LayerNormBackward(x: xp, dy: dy, weight: wp, statistics: sp, rows: rows,
                                                          channels: channels, dx: dx, partials: partialPointer))
                guard let partialPointer else { return }
                for block in 0..<blocks {                                       // fixed order
                    let partial = partialPointer + block * 2 * channels
                    if let dWeight { Kernels.add(partial, into: dWeight, count: channels) }
                    if let dBias { Kernels.add(partial + channels, into: dBias, count: channels) }
                }
            }
        }
    }
}

/// The forward of `layerNorm` on a range of rows: μ and rstd of each row (kept in `statistics`),
/// then y = x̂·weight + bias.
struct LayerNormRows: ParallelLoop {
    let x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float
    let y: UnsafeMutablePointer<Float>, statistics: UnsafeMutablePointer<Float>   // [N, C], [N, (μ, rstd)]
    let channels: Int

    func run(_ rows: Range<Int>) {
        let count = Float(channels)
        for r in rows {
            let row = x + r * channels, out = y + r * channels
            let mean = Lanes.sum(row, count: channels) / count
            let centre = SIMD16<Float>(repeating: mean)
            var squares = SIMD16<Float>()
            Lanes.forEachChunk(channels) { j, lanes in
                let d = Lanes.keepingFirst(lanes, of: Lanes.load(row + j, lanes) - centre)
                squares.addProduct(d, d)
            }
            let rstd = 1 / sqrtf(Lanes.sum(squares) / count + epsilon)
            statistics[2 * r] = mean
            statistics[2 * r + 1] = rstd
            let scale = SIMD16<Float>(repeating: rstd)
            Lanes.forEachChunk(channels) { j, lanes in
                let normalized = (Lanes.load(row + j, lanes) - centre) * scale          // x̂
                let affine = Lanes.load(bias + j, lanes).addingProduct(normalized, Lanes.load(weight + j, lanes))
                Lanes.store(affine, out + j, lanes)                                   // x̂·w + b
            }
        }
    }
}

/// The backward of `layerNorm` on a range of blocks of `rowsPerBlock` rows: dx row by row, and
/// each block's partial dweight, dbias.
struct LayerNormBackward: ParallelLoop {
    /// Rows summed into one partial dweight/dbias (fixed, so the sums never depend on threads).
    static let rowsPerBlock = 32

    let x: UnsafePointer<Float>, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>
    let statistics: UnsafePointer<Float>                       // [N, (μ, rstd)]
    let rows: Int, channels: Int
    let dx: UnsafeMutablePointer<Float>?                       // nil: x needs no gradient
    let partials: UnsafeMutablePointer<Float>?                 // [blocks, 2, C]; nil: no parameter gradients

    func run(_ blocks: Range<Int>) {
        let rowsPerBlock = Self.rowsPerBlock
        for block in blocks {
            let partial = partials.map { $0 + block * 2 * channels }
            partial?.update(repeating: 0, count: 2 * channels)
            let first = block * rowsPerBlock
            for r in first..<min(rows, first + rowsPerBlock) {
                Self.row(x: x + r * channels, dy: dy + r * channels, weight: weight,
                         mean: statistics[2 * r], rstd: statistics[2 * r + 1], channels: channels,
                         dx: dx.map { $0 + r * channels }, partial: partial)
            }
        }
    }

    /// For one row: dx += rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ⊙x̂)) with dŷ = dy⊙weight, and
    /// partial[0..<C] += dy⊙x̂, partial[C..<2C] += dy. Two passes over the row.
    @inline(__always)
    static func row(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                    mean: Float, rstd: Float, channels: Int,
                    dx: UnsafeMutablePointer<Float>?, partial: UnsafeMutablePointer<Float>?) {
        let centre = SIMD16<Float>(repeating: mean), scale = SIMD16<Float>(repeating: rstd)
        // Pass 1: the two row means, and the parameter gradients.
        var sumGradient = SIMD16<Float>(), sumGradientTimesNormalized = SIMD16<Float>()
        Lanes.forEachChunk(channels) { j, lanes in
            let normalized = (Lanes.load(x + j, lanes) - centre) * scale               // x̂
            let g = Lanes.load(dy + j, lanes)
            let gradientNormalized = g * Lanes.load(weight + j, lanes)                  // dŷ (0 in padding)
            sumGradient += gradientNormalized
            sumGradientTimesNormalized.addProduct(gradientNormalized, normalized)
            if let partial {
                Lanes.store(Lanes.load(partial + j, lanes).addingProduct(g, normalized), partial + j, lanes)
                Lanes.store(Lanes.load(partial + channels + j, lanes) + g, partial + channels + j, lanes)
            }
        }
        guard let dx else { return }
        let meanGradient = SIMD16<Float>(repeating: Lanes.sum(sumGradient) / Float(channels))
        let meanProjection = SIMD16<Float>(repeating: Lanes.sum(sumGradientTimesNormalized) / Float(channels))
        // Pass 2: dx += rstd · (dŷ − mean(dŷ) − x̂ · mean(dŷ ⊙ x̂)).
        Lanes.forEachChunk(channels) { j, lanes in
            let normalized = (Lanes.load(x + j, lanes) - centre) * scale
            let gradientNormalized = Lanes.load(dy + j, lanes) * Lanes.load(weight + j, lanes)
            let term = gradientNormalized - meanGradient - normalized * meanProjection
            Lanes.store(Lanes.load(dx + j, lanes).addingProduct(scale, term), dx + j, lanes)
        }
    }
}

// Vector helpers, a private copy of RowMath's (Softmax.swift) in this file on purpose: the
// debug build that `swift run` and `swift test` use compiles one file at a time and never
// inlines a function from another file, so RowMath's helpers would cost a call per vector
// here (layerNorm ran ~5x and attention ~2x slower in debug than in release before the copy).
fileprivate enum Lanes {
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (_ start: Int, _ lanes: Int) -> Void) {
        var j = 0
        while j + 16 <= count { body(j, 16); j += 16 }
        if j < count { body(j, count - j) }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int, padding: Float = 0) -> SIMD16<Float> {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>(repeating: padding)
        withUnsafeMutableBytes(of: &v) { bytes in
            for l in 0..<lanes { bytes.storeBytes(of: p[l], toByteOffset: l * 4, as: Float.self) }
        }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int, padding: Float = 0) -> SIMD16<Float> {
        load(UnsafePointer(p), lanes, padding: padding)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
        withUnsafeBytes(of: v) { bytes in
            for l in 0..<lanes { p[l] = bytes.load(fromByteOffset: l * 4, as: Float.self) }
        }
    }

    @inline(__always)
    static func keepingFirst(_ lanes: Int, of v: SIMD16<Float>, otherwise: Float = 0) -> SIMD16<Float> {
        if lanes >= 16 { return v }
        let index = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        return v.replacing(with: otherwise, where: index .>= Float(lanes))
    }

    @inline(__always)
    static func sum(_ v: SIMD16<Float>) -> Float {
        let v8 = v.lowHalf + v.highHalf
        let v4 = v8.lowHalf + v8.highHalf
        let v2 = v4.lowHalf + v4.highHalf
        return v2[0] + v2[1]
    }

    @inline(__always)
    static func max(_ v: SIMD16<Float>) -> Float {
        let v8 = v.lowHalf.replacing(with: v.highHalf, where: v.lowHalf .< v.highHalf)
        let v4 = v8.lowHalf.replacing(with: v8.highHalf, where: v8.lowHalf .< v8.highHalf)
        let v2 = v4.lowHalf.replacing(with: v4.highHalf, where: v4.lowHalf .< v4.highHalf)
        return v2[0] < v2[1] ? v2[1] : v2[0]
    }

    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var total = SIMD16<Float>()
        forEachChunk(count) { j, lanes in total += load(x + j, lanes) }
        return sum(total)
    }
}

// GELU, the Gaussian Error Linear Unit of GPT's MLP, in its exact and tanh forms.
//
//   exact: gelu(x) = x · Φ(x) = ½ x (1 + erf(x/√2))            (PyTorch nn.GELU() default)
//   tanh:  gelu(x) ≈ ½ x (1 + tanh(u)),  u = √(2/π) (x + 0.044715 x³)   (GPT-2's original)
// Derivatives, used by backward:
//   exact: gelu'(x) = Φ(x) + x φ(x),  φ(x) = exp(−x²/2)/√(2π)  (the normal density)
//   tanh:  gelu'(x) = ½ (1 + t) + ½ x (1 − t²) · √(2/π) (1 + 3·0.044715 x²),  t = tanh(u)
// Backward reads Φ(x) (or ½(1 + t)) back from the forward's output instead of recomputing the
// erf (or tanh), the costliest part: y = x·Φ(x), so Φ(x) = y/x, and Φ(0) = ½. That leaves one
// exp per element (for φ) in the exact form and none in the tanh form.
//
// The elementwise loop runs 16 lanes at a time with VectorMath's SIMD erf/tanh/exp; the flat
// buffer is cut into blocks of `elementsPerBlock` so large activations can use both threads.
//
// What this is not: a fused bias + GELU (the bias add lives in `linear`).
// Lesson: notebooks-md/07-feed-forward-layernorm.md

/// Which formula `gelu` uses.
public enum GELUApproximation: Sendable, Codable {
    /// ½ x (1 + erf(x/√2)), the exact Gaussian CDF form (PyTorch `nn.GELU()`).
    case exact
    /// ½ x (1 + tanh(√(2/π)(x + 0.044715 x³))), GPT-2's approximation (`approximate="tanh"`).
    case tanh
}

extension Variable {
    /// GELU, elementwise: `x · Φ(x)` (exact) or its tanh approximation. See `GELUApproximation`.
    ///
    /// Exact: gelu(−1) = −0.1587, gelu(0) = 0, gelu(1) = 0.8413.
    public func gelu(approximation: GELUApproximation = .exact) -> Variable {
        let x = self
        let count = x.value.count
        let y = tape.allocate(x.shape)
        let xp = x.value.pointer, yp = y.storage.pointer
        func forward() {
            GELUKernel.forEachBlock(count, GELUBlocks(x: xp, y: yp, count: count, approximation: approximation))
        }
        forward()

        return tape.record("gelu", inputs: [x], output: y, forward: forward) { dy in
            guard let (dx, accumulate) = x.tape.gradientForWriting(x) else { return }
            GELUKernel.forEachBlock(count, GELUBackwardBlocks(x: xp, y: yp, dy: dy, dx: dx, accumulate: accumulate,
                                                              count: count, approximation: approximation))
        }
    }
}

/// y = gelu(x) on a range of blocks of `GELUKernel.elementsPerBlock` elements.
struct GELUBlocks: ParallelLoop {
    let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int
    let approximation: GELUApproximation

    func run(_ blocks: Range<Int>) {
        for block in blocks {
            let (start, end) = GELUKernel.bounds(of: block, count: count)
            // One loop per form, the switch outside it: with the switch inside, the compiler did
            // not inline erf into the loop, and the forward ran at half the speed (measured).
            switch approximation {
            case .exact:
                Lanes.forEachChunk(end - start) { j, lanes in
                    Lanes.store(GELUKernel.exact(Lanes.load(x + start + j, lanes)), y + start + j, lanes)
                }
            case .tanh:
                Lanes.forEachChunk(end - start) { j, lanes in
                    Lanes.store(GELUKernel.tanhForm(Lanes.load(x + start + j, lanes)), y + start + j, lanes)
                }
            }
        }
    }
}

/// dx += dy · gelu'(x) (or dx = dy · gelu'(x), dx's first contribution) on a range of blocks.
struct GELUBackwardBlocks: ParallelLoop {
    let x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>
    let dx: UnsafeMutablePointer<Float>, accumulate: Bool, count: Int
    let approximation: GELUApproximation

    @inline(__always)
    func write(_ slope: SIMD16<Float>, at i: Int, _ lanes: Int) {
        let base = accumulate ? Lanes.load(dx + i, lanes) : SIMD16<Float>()
        Lanes.store(base.addingProduct(Lanes.load(dy + i, lanes), slope), dx + i, lanes)
    }

    func run(_ blocks: Range<Int>) {
        for block in blocks {
            let (start, end) = GELUKernel.bounds(of: block, count: count)
            switch approximation {
            case .exact:
                Lanes.forEachChunk(end - start) { j, lanes in
                    let i = start + j
                    write(GELUKernel.exactDerivative(Lanes.load(x + i, lanes), output: Lanes.load(y + i, lanes)),
                          at: i, lanes)
                }
            case .tanh:
                Lanes.forEachChunk(end - start) { j, lanes in
                    let i = start + j
                    write(GELUKernel.tanhFormDerivative(Lanes.load(x + i, lanes), output: Lanes.load(y + i, lanes)),
                          at: i, lanes)
                }
            }
        }
    }
}

/// GELU and its derivative on 16 lanes.
enum GELUKernel {
    static let elementsPerBlock = 4096
    static let inverseSquareRootOfTwo: Float = 0.707_106_781_186_547_524
    static let inverseSquareRootOfTwoPi: Float = 0.398_942_280_401_432_678
    static let squareRootOfTwoOverPi: Float = 0.797_884_560_802_865_356
    static let cubicCoefficient: Float = 0.044715

    /// Runs `loop` over the blocks of the flat range 0..<count, in parallel when large.
    @inline(__always)
    static func forEachBlock<Blocks: ParallelLoop>(_ count: Int, _ loop: Blocks) {
        let blocks = (count + elementsPerBlock - 1) / elementsPerBlock
        RowMath.forEachRowRange(rows: blocks, columns: elementsPerBlock, loop)
    }

    /// The elements start..<end of block `block` of 0..<count.
    @inline(__always)
    static func bounds(of block: Int, count: Int) -> (start: Int, end: Int) {
        (block * elementsPerBlock, min(count, (block + 1) * elementsPerBlock))
    }

    /// u = √(2/π) (x + 0.044715 x³), the tanh form's argument.
    @inline(__always)
    static func tanhArgument(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let cubic = SIMD16<Float>(repeating: cubicCoefficient)
        return SIMD16(repeating: squareRootOfTwoOverPi) * x.addingProduct(cubic * x, x * x)
    }

    /// gelu(x) = ½x(1 + erf(x/√2)) on 16 lanes.
    @_transparent
    static func exact(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let halfX = 0.5 * x
        return halfX.addingProduct(halfX, VectorMath.erf(x * inverseSquareRootOfTwo))
    }

    /// gelu(x) ≈ ½x(1 + tanh u) on 16 lanes.
    @_transparent
    static func tanhForm(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let halfX = 0.5 * x
        return halfX.addingProduct(halfX, VectorMath.tanh(tanhArgument(x)))
    }

    /// y/x = Φ(x) (exact) or ½(1 + t) (tanh), read back from the output y; ½ at x = 0.
    @_transparent
    static func factor(_ x: SIMD16<Float>, output y: SIMD16<Float>) -> SIMD16<Float> {
        (y / x).replacing(with: 0.5, where: x .== 0)
    }

    /// gelu'(x) = Φ(x) + xφ(x) on 16 lanes, given the output y = gelu(x).
    @_transparent
    static func exactDerivative(_ x: SIMD16<Float>, output y: SIMD16<Float>) -> SIMD16<Float> {
        let density = inverseSquareRootOfTwoPi * VectorMath.exp(-0.5 * x * x)                  // φ(x)
        return factor(x, output: y).addingProduct(x, density)                                  // Φ + xφ
    }

    /// The tanh form's derivative on 16 lanes, given the output y.
    @_transparent
    static func tanhFormDerivative(_ x: SIMD16<Float>, output y: SIMD16<Float>) -> SIMD16<Float> {
        let half = factor(x, output: y)                                                        // ½(1 + t)
        let t = 2 * half - 1                                                                   // tanh(u)
        let du = squareRootOfTwoOverPi * (1 + 3 * cubicCoefficient * x * x)                      // du/dx
        return half + 0.5 * x * (1 - t * t) * du
    }
}

// Vector helpers, a private copy of RowMath's (Softmax.swift) in this file on purpose: the
// debug build that `swift run` and `swift test` use compiles one file at a time and never
// inlines a function from another file, so RowMath's would cost a call per vector here.
fileprivate enum Lanes {
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (_ start: Int, _ lanes: Int) -> Void) {
        var j = 0
        while j + 16 <= count { body(j, 16); j += 16 }
        if j < count { body(j, count - j) }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> SIMD16<Float> {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>()
        withUnsafeMutableBytes(of: &v) { bytes in
            for l in 0..<lanes { bytes.storeBytes(of: p[l], toByteOffset: l * 4, as: Float.self) }
        }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int) -> SIMD16<Float> {
        load(UnsafePointer(p), lanes)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
        withUnsafeBytes(of: v) { bytes in
            for l in 0..<lanes { p[l] = bytes.load(fromByteOffset: l * 4, as: Float.self) }
        }
    }
}

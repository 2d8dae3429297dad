// Arithmetic: a + b, a - b, a * b, a / b with NumPy broadcasting, forward and backward.
//
// With y = f(a, b) over the broadcast shape, the chain rule gives
//   da += Σ dy · ∂f/∂a      summed over every output element that read a given element of a
//   db += Σ dy · ∂f/∂b
// The sum is what broadcasting costs in backward: b [C] added to every row of x [N, C] was
// used N times, so its gradient is the column sum of dy (the bias gradient of Linear).
// The loop plan (strides, merged dimensions, fast paths) lives in Broadcast.swift.
//
// Operators cannot take `file:`/`line:` arguments, so a shape error raised by `a + b` names
// this file. The named forms `a.add(b)`, `a.subtract(b)`, `a.multiply(b)`, `a.divide(b)`
// name the caller's line instead.
// What it is not: in-place arithmetic. Every op writes a new pooled output.
// Lesson: notebooks-md/04-the-tape.md

extension Variable {
    /// Checks that `a` and `b` broadcast and returns the loop plan (an error names `op`).
    private static func broadcastLayout(_ a: Variable, _ b: Variable, op: String,
                                        file: StaticString, line: UInt) -> BroadcastLayout {
        precondition(a.tape === b.tape, "\(op): operands are on different tapes")
        let output = checkShapes { () throws(ShapeError) in
            try Shapes.broadcast(a.shape, b.shape, op: op, file: file, line: line)
        }
        return BroadcastLayout(a.shape, b.shape, output: output)
    }

    /// `self + other`, broadcasting. d(a+b)/da = 1, d(a+b)/db = 1.
    public func add(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let (a, b) = (self, other)
        if a.shape == b.shape { return a.addSameShape(b) }              // the residual connections
        let layout = Variable.broadcastLayout(a, b, op: "add", file: file, line: line)
        let y = tape.allocate(layout.outputShape)
        func forward() { Elementwise.forward(a.value, b.value, layout, into: y.storage.pointer) { $0 + $1 } }
        forward()
        return tape.record("add", inputs: [a, b], output: y, forward: forward) { dy in
            if let da = a.tape.gradientPointer(a) {                         // da += Σ dy
                Elementwise.accumulateGradient(dy, layout, own: a.value, other: b.value, ownIsA: true, into: da) { _, _ in 1 }
            }
            if let db = b.tape.gradientPointer(b) {                         // db += Σ dy
                Elementwise.accumulateGradient(dy, layout, own: b.value, other: a.value, ownIsA: false, into: db) { _, _ in 1 }
            }
        }
    }

    /// `add` when both shapes are equal (no broadcasting): y = a + b, da += dy, db += dy, with
    /// the loops in this file so that the debug build runs them as vector loops (see
    /// `SameShape`); the general path's per-element closure ran ~9x slower there.
    func addSameShape(_ other: Variable) -> Variable {
        let (a, b) = (self, other)
        let count = a.value.count
        let y = tape.allocate(a.shape)
        func forward() { SameShape.add(a.value.pointer, b.value.pointer, into: y.storage.pointer, count: count) }
        forward()
        return tape.record("add", inputs: [a, b], output: y, forward: forward) { dy in
            func addGradient(to input: Variable) {                              // d(input) += dy
                guard let (gradient, accumulate) = input.tape.gradientForWriting(input) else { return }
                if accumulate {
                    SameShape.accumulate(dy, into: gradient, count: count)
                } else {
                    SameShape.copy(dy, into: gradient, count: count)                 // first contribution: a copy
                }
            }
            addGradient(to: a)
            addGradient(to: b)
        }
    }

    /// `self - other`, broadcasting. d(a-b)/da = 1, d(a-b)/db = -1.
    public func subtract(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let (a, b) = (self, other)
        let layout = Variable.broadcastLayout(a, b, op: "subtract", file: file, line: line)
        let y = tape.allocate(layout.outputShape)
        func forward() { Elementwise.forward(a.value, b.value, layout, into: y.storage.pointer) { $0 - $1 } }
        forward()
        return tape.record("subtract", inputs: [a, b], output: y, forward: forward) { dy in
            if let da = a.tape.gradientPointer(a) {                         // da += Σ dy
                Elementwise.accumulateGradient(dy, layout, own: a.value, other: b.value, ownIsA: true, into: da) { _, _ in 1 }
            }
            if let db = b.tape.gradientPointer(b) {                         // db += Σ -dy
                Elementwise.accumulateGradient(dy, layout, own: b.value, other: a.value, ownIsA: false, into: db) { _, _ in -1 }
            }
        }
    }

    /// `self * other` elementwise, broadcasting. d(a·b)/da = b, d(a·b)/db = a.
    public func multiply(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let (a, b) = (self, other)
        let layout = Variable.broadcastLayout(a, b, op: "multiply", file: file, line: line)
        let y = tape.allocate(layout.outputShape)
        func forward() { Elementwise.forward(a.value, b.value, layout, into: y.storage.pointer) { $0 * $1 } }
        forward()
        return tape.record("multiply", inputs: [a, b], output: y, forward: forward) { dy in
            if let da = a.tape.gradientPointer(a) {                         // da += Σ dy · b
                Elementwise.accumulateGradient(dy, layout, own: a.value, other: b.value, ownIsA: true, into: da) { _, b in b }
            }
            if let db = b.tape.gradientPointer(b) {                         // db += Σ dy · a
                Elementwise.accumulateGradient(dy, layout, own: b.value, other: a.value, ownIsA: false, into: db) { _, a in a }
            }
        }
    }

    /// `self / other` elementwise, broadcasting. d(a/b)/da = 1/b, d(a/b)/db = -a/b².
    public func divide(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let (a, b) = (self, other)
        let layout = Variable.broadcastLayout(a, b, op: "divide", file: file, line: line)
        let y = tape.allocate(layout.outputShape)
        func forward() { Elementwise.forward(a.value, b.value, layout, into: y.storage.pointer) { $0 / $1 } }
        forward()
        return tape.record("divide", inputs: [a, b], output: y, forward: forward) { dy in
            if let da = a.tape.gradientPointer(a) {                         // da += Σ dy / b
                Elementwise.accumulateGradient(dy, layout, own: a.value, other: b.value, ownIsA: true, into: da) { _, b in 1 / b }
            }
            if let db = b.tape.gradientPointer(b) {                         // db += Σ -dy · a / b²
                Elementwise.accumulateGradient(dy, layout, own: b.value, other: a.value, ownIsA: false, into: db) { b, a in -a / (b * b) }
            }
        }
    }

    /// `a + b` with broadcasting: `[2, 3] + [3]` adds the vector to each row.
    public static func + (a: Variable, b: Variable) -> Variable { a.add(b) }
    /// `a - b` with broadcasting.
    public static func - (a: Variable, b: Variable) -> Variable { a.subtract(b) }
    /// `a * b` elementwise with broadcasting (not a matrix product: see `matmul`).
    public static func * (a: Variable, b: Variable) -> Variable { a.multiply(b) }
    /// `a / b` elementwise with broadcasting.
    public static func / (a: Variable, b: Variable) -> Variable { a.divide(b) }
}

// MARK: - With a Float constant
//
// A constant needs no broadcasting and no gradient, so these are plain elementwise maps
// (see `elementwise` in Unary.swift).

extension Variable {
    /// `x + c`. d(x+c)/dx = 1.
    public static func + (x: Variable, c: Float) -> Variable {
        x.elementwise("addScalar", forward: { x, y, n in for i in 0..<n { y[i] = x[i] + c } },
                      backward: { dy, _, _, dx, n in for i in 0..<n { dx[i] += dy[i] } })
    }
    /// `c + x`.
    public static func + (c: Float, x: Variable) -> Variable { x + c }

    /// `x - c`. d(x-c)/dx = 1.
    public static func - (x: Variable, c: Float) -> Variable {
        x.elementwise("subtractScalar", forward: { x, y, n in for i in 0..<n { y[i] = x[i] - c } },
                      backward: { dy, _, _, dx, n in for i in 0..<n { dx[i] += dy[i] } })
    }
    /// `c - x`. d(c-x)/dx = -1.
    public static func - (c: Float, x: Variable) -> Variable {
        x.elementwise("scalarSubtract", forward: { x, y, n in for i in 0..<n { y[i] = c - x[i] } },
                      backward: { dy, _, _, dx, n in for i in 0..<n { dx[i] -= dy[i] } })
    }

    /// `x * c`. d(x·c)/dx = c.
    public static func * (x: Variable, c: Float) -> Variable {
        x.elementwise("multiplyScalar", forward: { x, y, n in for i in 0..<n { y[i] = x[i] * c } },
                      backward: { dy, _, _, dx, n in for i in 0..<n { dx[i] += dy[i] * c } })
    }
    /// `c * x`.
    public static func * (c: Float, x: Variable) -> Variable { x * c }

    /// `x / c`. d(x/c)/dx = 1/c.
    public static func / (x: Variable, c: Float) -> Variable {
        x.elementwise("divideScalar", forward: { x, y, n in for i in 0..<n { y[i] = x[i] / c } },
                      backward: { dy, _, _, dx, n in for i in 0..<n { dx[i] += dy[i] / c } })
    }
    /// `c / x`. d(c/x)/dx = -c/x² = -y/x.
    public static func / (c: Float, x: Variable) -> Variable {
        x.elementwise("scalarDivide", forward: { x, y, n in for i in 0..<n { y[i] = c / x[i] } },
                      backward: { dy, x, y, dx, n in for i in 0..<n { dx[i] -= dy[i] * y[i] / x[i] } })
    }

    /// `-x`. d(-x)/dx = -1.
    public static prefix func - (x: Variable) -> Variable {
        x.elementwise("negate", forward: { x, y, n in for i in 0..<n { y[i] = -x[i] } },
                      backward: { dy, _, _, dx, n in for i in 0..<n { dx[i] -= dy[i] } })
    }
}

// MARK: - Plain tensors (no tape)

extension Tensor {
    /// `f(a, b)` elementwise over the broadcast shape, through the same kernel as the ops.
    @inline(__always)
    static func broadcasting(_ a: Tensor, _ b: Tensor, op: String, file: StaticString, line: UInt,
                             _ f: (Float, Float) -> Float) -> Tensor {
        let output = checkShapes { () throws(ShapeError) in
            try Shapes.broadcast(a.shape, b.shape, op: op, file: file, line: line)
        }
        let y = Tensor(uninitializedShape: output)
        Elementwise.forward(a, b, BroadcastLayout(a.shape, b.shape, output: output), into: y.storage.pointer, f)
        return y
    }

    /// `a + b` elementwise with NumPy broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "add", file: #fileID, line: #line) { $0 + $1 }
    }
    /// `a - b` elementwise with NumPy broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "subtract", file: #fileID, line: #line) { $0 - $1 }
    }
    /// `a * b` elementwise with NumPy broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "multiply", file: #fileID, line: #line) { $0 * $1 }
    }
    /// `a / b` elementwise with NumPy broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "divide", file: #fileID, line: #line) { $0 / $1 }
    }
}

/// Loops of same-shape elementwise ops, 16 lanes at a time. Kept in this file on purpose: the
/// debug build compiles one file at a time and never inlines across files.
///
/// Large ones run on every thread, each on one contiguous part, as GEMM splits its output rows:
/// the residual stream that a threaded GEMM just wrote sits half in each core's cache, and one
/// thread reading all of it measured slower with two threads than with one.
fileprivate enum SameShape {
    /// Below this many elements one thread does it all (a fork would cost more).
    static let parallelCount = 1 << 15

    /// Runs `part` on contiguous ranges of the 16-lane vectors of 0..<count, one range per
    /// thread when `count` is large.
    static func forEachPart<Part: ParallelLoop>(_ count: Int, _ part: Part) {
        let vectors = (count + 15) / 16
        guard count >= parallelCount, Threads.count > 1 else { return part.run(0..<vectors) }
        Threads.parallelFor(vectors, part)
    }

    /// The elements start..<end of a range of vectors (the last one may be partial).
    @inline(__always)
    static func elements(_ vectors: Range<Int>, count: Int) -> (start: Int, end: Int) {
        (vectors.lowerBound * 16, min(count, vectors.upperBound * 16))
    }

    /// y = a + b.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        forEachPart(count, Add(a: a, b: b, y: y, count: count))
    }

    /// g += dy.
    static func accumulate(_ dy: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, count: Int) {
        forEachPart(count, Accumulate(dy: dy, g: g, count: count))
    }

    /// g = dy.
    static func copy(_ dy: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, count: Int) {
        forEachPart(count, Copy(dy: dy, g: g, count: count))
    }

    struct Add: ParallelLoop {
        let a: UnsafePointer<Float>, b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int
        func run(_ vectors: Range<Int>) {
            let (start, end) = elements(vectors, count: count)
            let whole = start + (end - start) / 16 * 16
            for i in stride(from: start, to: whole, by: 16) {
                let sum = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
                    + UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(y + i).storeBytes(of: sum, as: SIMD16<Float>.self)
            }
            for i in whole..<end { y[i] = a[i] + b[i] }
        }
    }

    struct Accumulate: ParallelLoop {
        let dy: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>, count: Int
        func run(_ vectors: Range<Int>) {
            let (start, end) = elements(vectors, count: count)
            let whole = start + (end - start) / 16 * 16
            for i in stride(from: start, to: whole, by: 16) {
                let sum = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD16<Float>.self)
                    + UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(g + i).storeBytes(of: sum, as: SIMD16<Float>.self)
            }
            for i in whole..<end { g[i] += dy[i] }
        }
    }

    struct Copy: ParallelLoop {
        let dy: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>, count: Int
        func run(_ vectors: Range<Int>) {
            let (start, end) = elements(vectors, count: count)
            (g + start).update(from: dy + start, count: end - start)
        }
    }
}

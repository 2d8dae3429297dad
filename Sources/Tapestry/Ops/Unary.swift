// Unary: elementwise functions y = f(x), each with its local derivative.
//
// Every op here has the same shape of backward, dx += dy · f'(x), and f'(x) is often cheaper
// written with the output y: (eˣ)' = y, tanh' = 1 - y², (√x)' = 1 / (2y). That is why the
// backward closures receive both x and y.
// exp and tanh go through VectorMath (SIMD polynomials); the rest are plain loops that the
// compiler vectorizes.
// What it is not: the fused activations (GELU lives with the other NN ops).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Variable {
    /// The skeleton of an elementwise op: y has x's shape; `forward(x, y, count)` fills y;
    /// `backward(dy, x, y, dx, count)` ADDS dy · f'(x) into dx.
    func elementwise(_ op: StaticString,
                     forward: @escaping (_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) -> Void,
                     backward: @escaping (_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                          _ dx: UnsafeMutablePointer<Float>, _ count: Int) -> Void) -> Variable {
        let x = self
        let y = tape.allocate(x.shape)
        let count = y.count
        func run() { forward(x.value.pointer, y.storage.pointer, count) }
        run()
        return tape.record(op, inputs: [x], output: y, forward: run) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }
            backward(dy, x.value.pointer, y.pointer, dx, count)
        }
    }

    /// eˣ elementwise. d(eˣ)/dx = eˣ = y.
    public func exp() -> Variable {
        elementwise("exp", forward: { x, y, n in VectorMath.exp(x, into: y, count: n) },
                    backward: { dy, _, y, dx, n in for i in 0..<n { dx[i] += dy[i] * y[i] } })
    }

    /// Natural logarithm elementwise (x > 0). d(ln x)/dx = 1/x.
    public func log() -> Variable {
        elementwise("log", forward: { x, y, n in for i in 0..<n { y[i] = logf(x[i]) } },
                    backward: { dy, x, _, dx, n in for i in 0..<n { dx[i] += dy[i] / x[i] } })
    }

    /// Hyperbolic tangent elementwise. d(tanh x)/dx = 1 - tanh²x = 1 - y².
    public func tanh() -> Variable {
        elementwise("tanh", forward: { x, y, n in VectorMath.tanh(x, into: y, count: n) },
                    backward: { dy, _, y, dx, n in for i in 0..<n { dx[i] += dy[i] * (1 - y[i] * y[i]) } })
    }

    /// max(x, 0) elementwise. d/dx = 1 where x > 0, else 0 (we take 0 at the kink x = 0).
    public func relu() -> Variable {
        elementwise("relu", forward: { x, y, n in for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 } },
                    backward: { dy, x, _, dx, n in for i in 0..<n { dx[i] += x[i] > 0 ? dy[i] : 0 } })
    }

    /// √x elementwise (x ≥ 0). d(√x)/dx = 1 / (2√x) = 1 / (2y).
    public func sqrt() -> Variable {
        elementwise("sqrt", forward: { x, y, n in for i in 0..<n { y[i] = x[i].squareRoot() } },
                    backward: { dy, _, y, dx, n in for i in 0..<n { dx[i] += dy[i] / (2 * y[i]) } })
    }

    /// x² elementwise. d(x²)/dx = 2x.
    public func squared() -> Variable {
        elementwise("squared", forward: { x, y, n in for i in 0..<n { y[i] = x[i] * x[i] } },
                    backward: { dy, x, _, dx, n in for i in 0..<n { dx[i] += dy[i] * 2 * x[i] } })
    }

    /// xᵖ elementwise for a constant exponent p. d(xᵖ)/dx = p·xᵖ⁻¹.
    /// (For a non-integer p, x must be ≥ 0, as with `powf`.)
    public func pow(_ exponent: Float) -> Variable {
        let p = exponent
        return elementwise("pow", forward: { x, y, n in for i in 0..<n { y[i] = powf(x[i], p) } },
                           backward: { dy, x, _, dx, n in for i in 0..<n { dx[i] += dy[i] * p * powf(x[i], p - 1) } })
    }
}

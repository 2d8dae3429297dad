// ExerciseSolutions: reference solutions to the course's exercises (lessons 1-4).
//
// What this is: one straightforward answer per exercise, written to be read after trying.
// The grader never runs this target for `swift run grade`; the tests (GraderTests) use it to
// prove that every grader passes a correct answer. What it is not: the fast library code;
// these are plain loops over arrays.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tapestry

/// Solution 1.1: replace each non-overlapping occurrence of `pair`, left to right.
public func bpeMerge(_ tokens: [Int], pair: (left: Int, right: Int), newToken: Int) throws -> [Int] {
    var merged: [Int] = []
    var index = 0
    while index < tokens.count {
        if index + 1 < tokens.count && tokens[index] == pair.left && tokens[index + 1] == pair.right {
            merged.append(newToken)
            index += 2                       // both halves are consumed: "a a a" gives "aa a"
        } else {
            merged.append(tokens[index])
            index += 1
        }
    }
    return merged
}

/// Solution 2.1: a·b / (‖a‖ ‖b‖), accumulated in Double.
public func cosineSimilarity(_ a: [Float], _ b: [Float]) throws -> Float {
    var dot = 0.0, aa = 0.0, bb = 0.0
    for i in a.indices {
        dot += Double(a[i]) * Double(b[i])
        aa += Double(a[i]) * Double(a[i])
        bb += Double(b[i]) * Double(b[i])
    }
    return Float(dot / (aa.squareRoot() * bb.squareRoot()))
}

/// Solution 3.1: sin at even channels, cos at odd ones, frequency 10000^(−2i/C) per pair i.
public func sinusoidalPositions(positions: Int, channels: Int) throws -> [[Float]] {
    (0..<positions).map { p in
        var row = [Float](repeating: 0, count: channels)
        for i in 0..<(channels / 2) {
            let frequency = pow(10_000.0, -Double(2 * i) / Double(channels))
            row[2 * i] = Float(sin(Double(p) * frequency))
            row[2 * i + 1] = Float(cos(Double(p) * frequency))
        }
        return row
    }
}

/// Solution 4.1: forward in two steps, backward in reverse, summing both paths into a.
public func tanhExpressionGradients(a: Float, b: Float) throws -> (value: Float, da: Float, db: Float) {
    let u = a * b + a                   // step 1
    let f = tanhf(u)                    // step 2
    let du = 1 - f * f                  // df/du = 1 − tanh²u
    let da = du * b + du * 1            // u uses a twice: through a·b (∂/∂a = b) and through + a (1)
    let db = du * a                     // ∂(a·b)/∂b = a
    return (f, da, db)
}

/// Solution 4.2: the sigmoid op, forward and backward side by side.
public func sigmoid(_ x: Variable) throws -> Variable {
    var y = Tensor(uninitializedShape: x.shape)
    y.withUnsafeMutableBufferPointer { out in
        for i in 0..<out.count { out[i] = 1 / (1 + expf(-x.value[flat: i])) }   // y = σ(x)
    }
    return x.tape.record("sigmoid", inputs: [x], output: y) { dy in
        guard let dx = x.tape.gradientPointer(x) else { return }
        let yp = y.pointer
        for i in 0..<y.count { dx[i] += dy[i] * yp[i] * (1 - yp[i]) }      // dσ/dx = σ(1 − σ); ADD
    }
}

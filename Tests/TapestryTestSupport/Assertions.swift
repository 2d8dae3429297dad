// TapestryTestSupport: helpers shared by the test targets.

import Tapestry

/// Largest |a − b| over two equally shaped tensors (infinity if the shapes differ).
public func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    var worst: Float = 0
    for i in 0..<a.count {
        let d = abs(a[flat: i] - b[flat: i])
        if !(d <= worst) { worst = d.isNaN ? .infinity : d }
    }
    return worst
}

/// Naive reference matrix product, row-major: C[m, n] = A[m, k] · B[k, n], summed in Double.
public func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
            c[i * n + j] = Float(s)
        }
    }
    return c
}

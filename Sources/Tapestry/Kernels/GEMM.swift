// GEMM: C (+)= op(A) · op(B) for contiguous row-major matrices. (Naive placeholder.)

/// General matrix multiply in the three forms training needs.
public enum GEMM {
    /// C[m, n] = (accumulate ? C : 0) + op(A)[m, k] · op(B)[k, n].
    ///
    /// op(A) is A stored [m, k], or Aᵀ when `transposeA` (A stored [k, m]).
    /// op(B) is B stored [k, n], or Bᵀ when `transposeB` (B stored [n, k]).
    /// Forward of a Linear layer is `transposeB`; dX = dY·W is plain; dW = dYᵀ·X is `transposeA`.
    public static func multiply(m: Int, n: Int, k: Int,
                                a: UnsafePointer<Float>, transposeA: Bool,
                                b: UnsafePointer<Float>, transposeB: Bool,
                                c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = accumulate ? c[i * n + j] : 0
                for p in 0..<k {
                    let x = transposeA ? a[p * m + i] : a[i * k + p]
                    let y = transposeB ? b[j * k + p] : b[p * n + j]
                    sum = sum.addingProduct(x, y)
                }
                c[i * n + j] = sum
            }
        }
    }
}

// Kernels: small pointer loops shared by several ops (bias add, column sums, axpy).
//
// Each loop hoists its row pointer so that it vectorizes at -O (see PERF.md).

/// Plain loops over raw buffers that more than one op needs.
public enum Kernels {
    /// y[r, :] += v for every row r of y [rows, columns].
    public static func addRowVector(_ v: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>,
                                    rows: Int, columns: Int) {
        for r in 0..<rows {
            let row = y + r * columns
            for c in 0..<columns { row[c] += v[c] }
        }
    }

    /// out[c] += Σ_r x[r, c] for x [rows, columns]. Rows are added in order 0, 1, 2, ...
    public static func addColumnSums(of x: UnsafePointer<Float>, rows: Int, columns: Int,
                                     into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * columns
            for c in 0..<columns { out[c] += row[c] }
        }
    }

    /// y[i] += a * x[i] for i in 0..<count.
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = y[i].addingProduct(a, x[i]) }
    }

    /// y[i] += x[i] for i in 0..<count.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }
}

// Threads: the kernels' parallel-for. (Serial placeholder; the worker pool replaces it.)

/// How many threads the kernels use, and a parallel-for over row ranges.
public enum Threads {
    /// Number of threads (1 = run on the calling thread only).
    public static var count: Int { 1 }

    /// Sets the number of threads. Results never depend on it.
    public static func setCount(_ n: Int) {}

    /// Splits `0..<n` into at most `count` contiguous ranges and runs `body` on each,
    /// returning when all are done.
    public static func parallelFor(_ n: Int, _ body: (Range<Int>) -> Void) {
        if n > 0 { body(0..<n) }
    }
}

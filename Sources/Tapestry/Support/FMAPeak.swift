// FMAPeak: one core's measured peak of fused multiply-adds, the denominator of MFU.
//
// What it is: a loop of independent SIMD16 FMA chains with no memory traffic, timed a few
// times; the best median wins. 6 chains fill 12 ymm registers with AVX2, 12 chains fill 12 zmm
// with AVX-512. Measured on this machine's Zen 4 core: ~117 GFLOP/s. Takes about 0.2 s.
// What it is not: a guaranteed peak (turbo, a busy neighbour on a shared VM), or a multi-core
// figure: multiply by the thread count for that.
// `train --profile` and `bench` both call it (bench passes its own clock for --cpu-time).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One core's FP32 FMA throughput in GFLOP/s (an FMA counts as 2 FLOPs): the best of 6 and 12
/// independent SIMD16 chains, each the median of `runs` timed runs, timed by `clock` (seconds;
/// the default is wall time).
public func measureFMAPeak(runs: Int = 5, clock: () -> Double = OpProfiler.continuousSeconds) -> Double {
    let iterations = 1_000_000
    func medianSeconds(_ body: () -> Float) -> Double {
        var sink: Float = 0
        sink += body()                                          // warm-up
        var times: [Double] = []
        for _ in 0..<max(runs, 1) {
            let start = clock()
            sink += body()
            times.append(clock() - start)
        }
        FMAChains.keep(sink)
        return times.sorted()[times.count / 2]
    }
    let six = medianSeconds { FMAChains.six(iterations) }
    let twelve = medianSeconds { FMAChains.twelve(iterations) }
    // Each iteration: chains × 16 lanes × 2 FLOPs.
    return max(6 * 32 / six, 12 * 32 / twelve) * Double(iterations) / 1e9
}

/// The timed loops. `@inline(never)` and a consumed result keep the optimizer from removing them.
enum FMAChains {
    @inline(never) static func keep(_ value: Float) { if value == 12345.678 { print(value) } }

    @inline(never) static func six(_ iterations: Int) -> Float {
        let x = SIMD16<Float>(repeating: 0.999_999)
        var c0 = SIMD16<Float>(repeating: 1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        for _ in 0..<iterations {
            c0.addProduct(c0, x); c1.addProduct(c1, x); c2.addProduct(c2, x)
            c3.addProduct(c3, x); c4.addProduct(c4, x); c5.addProduct(c5, x)
        }
        return (c0 + c1 + c2 + c3 + c4 + c5)[0]
    }

    @inline(never) static func twelve(_ iterations: Int) -> Float {
        let x = SIMD16<Float>(repeating: 0.999_999)
        var c0 = SIMD16<Float>(repeating: 1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
        for _ in 0..<iterations {
            c0.addProduct(c0, x); c1.addProduct(c1, x); c2.addProduct(c2, x)
            c3.addProduct(c3, x); c4.addProduct(c4, x); c5.addProduct(c5, x)
            c6.addProduct(c6, x); c7.addProduct(c7, x); c8.addProduct(c8, x)
            c9.addProduct(c9, x); c10.addProduct(c10, x); c11.addProduct(c11, x)
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11)[0]
    }
}

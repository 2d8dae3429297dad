// GEMMBench: GFLOP/s of the GEMMs of one nanoGPT CPU training step, and one core's FMA peak.
//
// "% peak" is a ratio taken side by side: for each shape, five rounds alternate a measurement
// of the FMA peak and of the product (1 thread), and the column shows the median of the five
// ratios. The core's clock drifts by several percent over a run on these shared machines
// (peaks of 264-289 GFLOP/s have been read here), so a ratio to a peak measured once, seconds
// earlier, moved with it.
//
// "% peak" counts useful FLOPs only (2·m·n·k). lm_head's forward (n = 73, not a multiple of 16)
// wastes no lane: its last 9 columns are the narrow edge (GEMM+NarrowEdge).
//
// Shapes: B·T = 768 rows, C = 128, 4 heads of 32, MLP 512, vocab 73. For a Linear layer with
// weight W [out, in]: forward y = x·Wᵀ (A·Bᵀ), dX = dY·W (A·B), dW = dYᵀ·X (Aᵀ·B).

import Tapestry

struct GEMMShape {
    let name: String
    let m: Int, n: Int, k: Int
    let transposeA: Bool, transposeB: Bool
    /// How many times one training step of the CPU config runs this product (0: not a Linear
    /// layer's product; shown for comparison).
    var perStep = 0
}

/// The three GEMMs of a Linear layer with weight [out, in] applied to `rows` rows.
func linearShapes(_ name: String, out: Int, in inFeatures: Int, rows: Int = 768, perStep: Int) -> [GEMMShape] {
    [GEMMShape(name: "\(name) y=x·Wᵀ", m: rows, n: out, k: inFeatures, transposeA: false, transposeB: true,
               perStep: perStep),
     GEMMShape(name: "\(name) dX=dY·W", m: rows, n: inFeatures, k: out, transposeA: false, transposeB: false,
               perStep: perStep),
     GEMMShape(name: "\(name) dW=dYᵀ·X", m: out, n: inFeatures, k: rows, transposeA: true, transposeB: false,
               perStep: perStep)]
}

let gemmShapes: [GEMMShape] =
    [GEMMShape(name: "128x384x768 (m n k)", m: 128, n: 384, k: 768, transposeA: false, transposeB: false)]
    + linearShapes("c_attn", out: 384, in: 128, perStep: 4)
    + linearShapes("attn.c_proj", out: 128, in: 128, perStep: 4)
    + linearShapes("mlp.c_fc", out: 512, in: 128, perStep: 4)
    + linearShapes("mlp.c_proj", out: 128, in: 512, perStep: 4)
    + linearShapes("lm_head", out: 73, in: 128, perStep: 1)
    + [GEMMShape(name: "head q·kᵀ", m: 64, n: 64, k: 32, transposeA: false, transposeB: true),
       GEMMShape(name: "head att·v", m: 64, n: 32, k: 64, transposeA: false, transposeB: false)]

func benchGEMM(options: BenchOptions) {
    let threadCounts = options.threadCounts
    let report = options.report
    let peak = fmaPeakGFLOPS(clock: options.clock)
    report.add("gemm", threads: 1, "fma_peak_gflops_per_core", peak)
    report.line("FMA peak, one core: \(format(peak)) GFLOP/s (% peak: median of 5 side-by-side ratios per shape)")
    report.line("shape".padding(toLength: 26, withPad: " ", startingAt: 0) + "  m    n    k"
          + threadCounts.map { "   \($0) thr GFLOP/s" + ($0 == 1 ? "  % peak" : "") }.joined())
    var generator = RandomGenerator(seed: 1)
    var stepFLOPs = 0.0, stepSeconds = 0.0               // the Linear products of one step, 1 thread
    var stepPeakSeconds = 0.0                            // the same FLOPs at the peak of each shape's rounds
    for shape in gemmShapes where options.shapeFilter.map({ shape.name.contains($0) }) ?? true {
        let a = Tensor.randomNormal([shape.m * shape.k], using: &generator)
        let b = Tensor.randomNormal([shape.k * shape.n], using: &generator)
        var c = Tensor(zeros: [shape.m * shape.n])
        var line = shape.name.padding(toLength: 26, withPad: " ", startingAt: 0)
            + format(Double(shape.m), decimals: 0, width: 4) + format(Double(shape.n), decimals: 0, width: 5)
            + format(Double(shape.k), decimals: 0, width: 5)
        let flops = 2.0 * Double(shape.m * shape.n * shape.k)
        func time() -> Double {
            c.withUnsafeMutableBufferPointer { cBuffer in
                medianSeconds(clock: options.clock) {
                    GEMM.multiply(m: shape.m, n: shape.n, k: shape.k, a: a.pointer, transposeA: shape.transposeA,
                                  b: b.pointer, transposeB: shape.transposeB,
                                  c: cBuffer.baseAddress!, accumulate: false)
                }
            }
        }
        for threads in threadCounts {
            Threads.setCount(threads)
            if threads == 1 {
                // Peak and product alternated; the medians of the times and of the ratios.
                var times: [Double] = [], ratios: [Double] = [], peaks: [Double] = []
                for _ in 0..<5 {
                    let roundPeak = fmaPeakGFLOPS(clock: options.clock, runs: 3)
                    let seconds = time()
                    times.append(seconds)
                    peaks.append(roundPeak)
                    ratios.append(flops / seconds / 1e9 / roundPeak)
                }
                let seconds = median(times), gflops = flops / seconds / 1e9, ratio = median(ratios)
                report.add("gemm", threads: 1, shape.name, gflops)
                report.add("gemm", threads: 1, shape.name + " % peak", ratio * 100)
                line += format(gflops, width: 17) + format(ratio * 100, width: 8)
                stepFLOPs += Double(shape.perStep) * flops
                stepSeconds += Double(shape.perStep) * seconds
                stepPeakSeconds += Double(shape.perStep) * flops / (median(peaks) * 1e9)
            } else {
                let gflops = flops / time() / 1e9
                report.add("gemm", threads: threads, shape.name, gflops)
                line += format(gflops, width: 17)
            }
        }
        report.line(line)
    }
    if stepSeconds > 0 && options.shapeFilter == nil {     // a subset of the shapes is not a step
        // One step's Linear products together: every layer's shapes 4 times, lm_head's once.
        let gflops = stepFLOPs / stepSeconds / 1e9
        report.add("gemm", threads: 1, "linear_products_of_one_step", gflops)
        let percent = stepPeakSeconds / stepSeconds * 100       // against the peaks read beside each shape
        report.add("gemm", threads: 1, "linear_products_of_one_step % peak", percent)
        report.line("Linear products of one step (FLOP-weighted), 1 thread: \(format(gflops, width: 0)) GFLOP/s, "
                    + "\(format(percent, width: 0))% of peak")
    }
    Threads.setCount(1)
}

/// FMA throughput of one core (Tapestry's `measureFMAPeak`), on bench's clock.
func fmaPeakGFLOPS(clock: TimingClock, runs: Int = 5) -> Double {
    measureFMAPeak(runs: runs, clock: { now(clock) })
}

/// The median of `values` (the upper middle one for an even count).
func median(_ values: [Double]) -> Double {
    values.sorted()[values.count / 2]
}

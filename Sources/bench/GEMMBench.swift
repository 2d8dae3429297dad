// GEMMBench: GFLOP/s of the GEMMs of one nanoGPT CPU training step, and one core's FMA peak.
//
// Shapes: B·T = 768 rows, C = 128, 4 heads of 32, MLP 512, vocab 73. For a Linear layer with
// weight W [out, in]: forward y = x·Wᵀ (A·Bᵀ), dX = dY·W (A·B), dW = dYᵀ·X (Aᵀ·B).

import Tapestry

struct GEMMShape {
    let name: String
    let m: Int, n: Int, k: Int
    let transposeA: Bool, transposeB: Bool
}

/// The three GEMMs of a Linear layer with weight [out, in] applied to `rows` rows.
func linearShapes(_ name: String, out: Int, in inFeatures: Int, rows: Int = 768) -> [GEMMShape] {
    [GEMMShape(name: "\(name) y=x·Wᵀ", m: rows, n: out, k: inFeatures, transposeA: false, transposeB: true),
     GEMMShape(name: "\(name) dX=dY·W", m: rows, n: inFeatures, k: out, transposeA: false, transposeB: false),
     GEMMShape(name: "\(name) dW=dYᵀ·X", m: out, n: inFeatures, k: rows, transposeA: true, transposeB: false)]
}

let gemmShapes: [GEMMShape] =
    [GEMMShape(name: "128x384x768 (m n k)", m: 128, n: 384, k: 768, transposeA: false, transposeB: false)]
    + linearShapes("c_attn", out: 384, in: 128)
    + linearShapes("attn.c_proj", out: 128, in: 128)
    + linearShapes("mlp.c_fc", out: 512, in: 128)
    + linearShapes("mlp.c_proj", out: 128, in: 512)
    + linearShapes("lm_head", out: 73, in: 128)
    + [GEMMShape(name: "head q·kᵀ", m: 64, n: 64, k: 32, transposeA: false, transposeB: true),
       GEMMShape(name: "head att·v", m: 64, n: 32, k: 64, transposeA: false, transposeB: false)]

func benchGEMM(options: BenchOptions) {
    let threadCounts = options.threadCounts
    let report = options.report
    let peak = fmaPeakGFLOPS(clock: options.clock)
    report.add("gemm", threads: 1, "fma_peak_gflops_per_core", peak)
    report.line("FMA peak, one core: \(format(peak)) GFLOP/s")
    report.line("shape".padding(toLength: 26, withPad: " ", startingAt: 0) + "  m    n    k"
          + threadCounts.map { "   \($0) thr GFLOP/s" }.joined())
    var generator = RandomGenerator(seed: 1)
    for shape in gemmShapes {
        let a = Tensor.randomNormal([shape.m * shape.k], using: &generator)
        let b = Tensor.randomNormal([shape.k * shape.n], using: &generator)
        var c = Tensor(zeros: [shape.m * shape.n])
        var line = shape.name.padding(toLength: 26, withPad: " ", startingAt: 0)
            + format(Double(shape.m), decimals: 0, width: 4) + format(Double(shape.n), decimals: 0, width: 5)
            + format(Double(shape.k), decimals: 0, width: 5)
        for threads in threadCounts {
            Threads.setCount(threads)
            let time = c.withUnsafeMutableBufferPointer { cBuffer in
                medianSeconds(clock: options.clock) {
                    GEMM.multiply(m: shape.m, n: shape.n, k: shape.k, a: a.pointer, transposeA: shape.transposeA,
                                  b: b.pointer, transposeB: shape.transposeB,
                                  c: cBuffer.baseAddress!, accumulate: false)
                }
            }
            let gflops = 2.0 * Double(shape.m * shape.n * shape.k) / time / 1e9
            report.add("gemm", threads: threads, shape.name, gflops)
            line += format(gflops, width: 17)
        }
        report.line(line)
    }
    Threads.setCount(1)
}

/// FMA throughput of one core (Tapestry's `measureFMAPeak`), on bench's clock.
func fmaPeakGFLOPS(clock: TimingClock) -> Double {
    measureFMAPeak(clock: { now(clock) })
}

// kv-cache: the same tokens, O(n) instead of O(n²) work.
//
//   swift run kv-cache                         rows n = 8, 16, 32, 64 for the default block_size 64
//   swift run kv-cache --repeats 5 --temperature 0
//
// For each sequence length n it generates n/2 tokens after an n/2-token prompt twice, with
// `TextGenerator(useCache: false)` and `(useCache: true)`, checks that the tokens (and logits) are
// the same, and prints the positions computed, estimated FLOPs (Work.swift) and median times.
// Positions and FLOPs are exact counts and show the O(n²) / O(n) shape even on a noisy machine;
// the times should follow them.
// Errors are one line on stderr, `error: kv-cache: ...`, as in `train` and `sample`. Exit status:
// 0 success; 2 misuse (a bad flag or text, a missing or bad checkpoint); 1 a failed check (the
// tokens differ with and without the cache).

import Foundation
import Tapestry
import TapestryGPT

func fail(_ error: any Error) -> Never {
    if let error = error as? TrainError { exitWithError("kv-cache: \(error)", code: error.exitCode) }
    exitWithError("kv-cache: \(error)", code: error is UsageError ? 2 : 1)
}

let options: CacheOptions
do {
    var parsed = CacheOptions()
    guard let result = try parseFlags(Array(CommandLine.arguments.dropFirst()), flags: CacheOptions.flags,
                                      into: &parsed) else {
        print(CacheOptions.help)
        exit(0)
    }
    options = result
} catch { fail(error) }

let loaded: ModelCheckpoint.Loaded
if !FileManager.default.fileExists(atPath: options.checkpoint) {
    exitWithError("kv-cache: \(options.checkpoint): file not found (make one with: swift run train)", code: 2)
}
do { loaded = try ModelCheckpoint.load(path: options.checkpoint) } catch { fail(error) }
let model = loaded.model
let config = model.config
let source: [Int]
do { source = try loaded.tokenizer.encode(options.text) }
catch { fail(TrainError("--text: \(error) (give text in the checkpoint's alphabet)", exitCode: 2)) }
if source.isEmpty { fail(TrainError("--text: the text is empty", exitCode: 2)) }
let text = Array(repeatElement(source, count: config.blockSize / source.count + 1).joined())

if config.blockSize < 2 { fail(TrainError("block_size \(config.blockSize) is too small: n/2 must be at least 1", exitCode: 2)) }
var lengths: [Int] = []
var length = 8
while length < config.blockSize { lengths.append(length); length *= 2 }
lengths.append(config.blockSize)

print("kv-cache: \(options.checkpoint) (\(config.nLayer) layers, \(config.nHead) heads, n_embd \(config.nEmbd), "
    + "block_size \(config.blockSize), \(model.nonEmbeddingParameterCount) parameters without wpe)")
print("Each row: a prompt of n/2 tokens, then n/2 new tokens; temperature \(options.temperature), top-k \(options.topK), "
    + "seed \(options.seed); median of \(options.repeats) runs.")
print("")
print(pad("", 20) + pad("------------ without cache ------------", 42) + "------------- with cache --------------")
print(pad("n", 6) + pad("same", 14) + [String](repeating: pad("positions", 11) + pad("MFLOP", 9) + pad("total ms", 10) + pad("ms/token", 12), count: 2).joined() + "speedup")

// MARK: - Measure

/// One timed generation: its tokens, the logits of every step, and milliseconds.
func generate(_ model: GPT, _ options: CacheOptions, prompt: [Int], count: Int,
              useCache: Bool) -> (tokens: [Int], logits: [[Float]], milliseconds: Double) {
    let generator = TextGenerator(model: model, options: options.sampling, useCache: useCache)
    var logits: [[Float]] = []
    let clock = ContinuousClock()
    let start = clock.now
    let tokens = generator.generate(prompt: prompt, count: count, seed: options.seed) { stepLogits, _ in
        logits.append(stepLogits)
    }
    let elapsed = clock.now - start
    let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15
    return (tokens, logits, milliseconds)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

_ = generate(model, options, prompt: Array(text.prefix(4)), count: 4, useCache: true)             // warm-up
var allIdentical = true
var positionRows: [(uncached: Int, cached: Int)] = []
for n in lengths {
    let prompt = Array(text.prefix(n / 2)), count = n - n / 2
    var uncachedTimes: [Double] = [], cachedTimes: [Double] = []
    var uncached = generate(model, options, prompt: prompt, count: count, useCache: false)
    var cached = generate(model, options, prompt: prompt, count: count, useCache: true)
    for _ in 0..<options.repeats {
        uncached = generate(model, options, prompt: prompt, count: count, useCache: false)
        uncachedTimes.append(uncached.milliseconds)
        cached = generate(model, options, prompt: prompt, count: count, useCache: true)
        cachedTimes.append(cached.milliseconds)
    }
    var largestDifference: Float = 0
    for (a, b) in zip(uncached.logits, cached.logits) {
        for (x, y) in zip(a, b) { largestDifference = max(largestDifference, abs(x - y)) }
    }
    let same = uncached.tokens == cached.tokens
    allIdentical = allIdentical && same
    // "yes(Δ1e-07)": same tokens, logits equal only up to rounding (a different summation order).
    let sameText = same ? (largestDifference == 0 ? "yes" : "yes(Δ\(String(format: "%.0e", Double(largestDifference))))") : "NO"
    var line = pad("\(n)", 6) + pad(sameText, 14)
    for (useCache, times) in [(false, uncachedTimes), (true, cachedTimes)] {
        let work = Work(model: model, prompt: prompt.count, count: count, useCache: useCache)
        let total = median(times)
        line += pad("\(work.positions)", 11) + pad(String(format: "%.2f", work.flops / 1e6), 9)
            + pad(String(format: "%.2f", total), 10) + pad(String(format: "%.3f", total / Double(count)), 12)
    }
    let speedup = median(uncachedTimes) / max(median(cachedTimes), 1e-9)
    print(line + String(format: "%.1fx", speedup))
    positionRows.append((Work(model: model, prompt: prompt.count, count: count, useCache: false).positions,
                         Work(model: model, prompt: prompt.count, count: count, useCache: true).positions))
}

// MARK: - What the table shows

print("")
if positionRows.count >= 2 {
    let (a, b) = (positionRows[positionRows.count - 2], positionRows[positionRows.count - 1])
    print(String(format: "last doubling of n: positions ×%.2f without the cache (O(n²): ×4), ×%.2f with it (O(n): ×2)",
                 Double(b.uncached) / Double(a.uncached), Double(b.cached) / Double(a.cached)))
}
if allIdentical {
    print("tokens identical with and without the cache: yes, for every n")
} else {
    print("tokens identical with and without the cache: NO (a bug in the cache path)")
    exitWithError("kv-cache: the tokens differ with and without the cache", code: 1)
}

// TokenizerAndSampleBench: the `bpe` case (byte-level BPE training time at vocab 4096 and
// encode MB/s on the default corpus) and the `sample` case (generation tokens/s with and
// without the KV cache on nanoGPT's CPU-config model).
//
// Hugging Face `tokenizers` (Rust) on this machine, from shared/reference/hf_bpe.py: about
// 0.72 s to train vocab 4096 on one thread and 1.15 MB/s to encode the text as one string.
// Compare side by side on the same machine: these VMs are noisy.

import Foundation
import Tapestry
import TapestryGPT
import TapestryText

func benchBPE(options: BenchOptions) {
    let path = resolveDatasetPath("datasets/shakespeare.txt")
    guard let text = try? Corpus.load(path: path) else {
        writeToStandardError("bench bpe: cannot read \(path) (run from the repository root)\n")
        return
    }
    let megabytes = Double(text.utf8.count) / 1e6
    var tokenizer: BPETokenizer? = nil
    var trainTimes: [Double] = []
    for _ in 0..<3 {
        trainTimes.append(seconds(options.clock) { tokenizer = try? BPETokenizer.train(text: text, vocabularySize: 4096) })
    }
    guard let tokenizer else { return }
    var tokenCount = 0
    var encodeTimes: [Double] = []
    for _ in 0..<3 {
        encodeTimes.append(seconds(options.clock) { tokenCount = (try? tokenizer.encode(text))?.count ?? 0 })
    }
    let train = trainTimes.sorted()[1], encode = encodeTimes.sorted()[1]
    options.report.line("bpe: vocab 4096 on \(path) (\(format(megabytes, decimals: 2, width: 0)) MB, \(tokenCount) tokens)")
    options.report.line("  training        \(format(train, decimals: 3, width: 8)) s     (Hugging Face tokenizers, 1 thread: ~0.72 s)")
    options.report.line("  encode          \(format(megabytes / encode, decimals: 2, width: 8)) MB/s  (Hugging Face tokenizers, one string: ~1.15 MB/s)")
    options.report.add("bpe", threads: 1, "train_seconds", train)
    options.report.add("bpe", threads: 1, "encode_mb_per_s", megabytes / encode)
}

func benchSample(options: BenchOptions) {
    let model = GPT(config: GPTConfig(blockSize: 64, vocabSize: 73, nLayer: 4, nHead: 4, nEmbd: 128), seed: 1)
    let count = 63
    for threads in options.threadCounts {
        Threads.setCount(threads)
        var rates: [(String, Double)] = []
        for useCache in [true, false] {
            let generator = TextGenerator(model: model, options: SamplingOptions(temperature: 1, topK: nil), useCache: useCache)
            _ = generator.generate(prompt: [0], count: 8, seed: 1)                     // warm-up
            var times: [Double] = []
            for _ in 0..<3 { times.append(seconds(options.clock) { _ = generator.generate(prompt: [0], count: count, seed: 1) }) }
            rates.append((useCache ? "with_kv_cache_tokens_per_s" : "without_kv_cache_tokens_per_s", Double(count) / times.sorted()[1]))
        }
        options.report.line("sample, \(threads) thread(s), \(count) tokens from a 1-token prompt: "
            + "\(format(rates[0].1, decimals: 0, width: 0)) tok/s with the KV cache, \(format(rates[1].1, decimals: 0, width: 0)) without")
        for (key, value) in rates { options.report.add("sample", threads: threads, key, value) }
    }
    Threads.setCount(1)
}

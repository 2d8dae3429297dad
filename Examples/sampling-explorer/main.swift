// sampling-explorer: what temperature, top-k and top-p do to the next-token distribution.
//
//   swift run sampling-explorer                                  8 tokens after "ROMEO:"
//   swift run sampling-explorer --temperature 1.5 --top-k 0 --top-p 0.5
//
// For each generated token it prints the top candidates with their probability after every
// stage (CandidateTable.swift) and marks the token chosen. Then it shows that temperature 0 is
// greedy decoding: the limit of softmax(logits / T), and the same tokens as an argmax loop.
// Errors are one line on stderr, `error: sampling-explorer: ...`, as in `train` and `sample`.
// Exit status: 0 success; 2 misuse (a bad flag or prompt, a missing or bad checkpoint); 1 a
// failed check (temperature 0 and the argmax loop disagree).

import Foundation
import Tapestry
import TapestryGPT

func fail(_ error: any Error) -> Never {
    if let error = error as? TrainError { exitWithError("sampling-explorer: \(error)", code: error.exitCode) }
    exitWithError("sampling-explorer: \(error)", code: error is UsageError ? 2 : 1)
}

let options: ExplorerOptions
do {
    var parsed = ExplorerOptions()
    guard let result = try parseFlags(Array(CommandLine.arguments.dropFirst()), flags: ExplorerOptions.flags,
                                      into: &parsed) else {
        print(ExplorerOptions.help)
        exit(0)
    }
    options = result
} catch { fail(error) }

let loaded: ModelCheckpoint.Loaded
if !FileManager.default.fileExists(atPath: options.checkpoint) {
    exitWithError("sampling-explorer: \(options.checkpoint): file not found (make one with: swift run train)", code: 2)
}
do { loaded = try ModelCheckpoint.load(path: options.checkpoint) } catch { fail(error) }
let (model, tokenizer) = (loaded.model, loaded.tokenizer)
let prompt: [Int]
do { prompt = try tokenizer.encode(options.prompt) } catch { fail(TrainError("--prompt: \(error)", exitCode: 2)) }
if prompt.isEmpty { fail(TrainError("--prompt: the prompt is empty; give at least one character", exitCode: 2)) }

print("sampling-explorer: \(options.checkpoint) (vocab \(model.config.vocabSize), block_size \(model.config.blockSize)), "
    + "prompt \(quoted(options.prompt)) = \(prompt.count) tokens")
print("columns: each candidate's probability after each stage of the pipeline")
print("  raw = softmax(logits); T = softmax(logits / T); top-k = keep the k most likely and renormalize;")
print("  top-p = keep the most likely until their mass reaches p and renormalize: the token is drawn from this one")

// MARK: - Generate, printing every step

var context = prompt
var firstLogits: [Float] = []
let generator = TextGenerator(model: model, options: options.sampling, useCache: true)
let generated = generator.generate(prompt: prompt, count: options.tokens, seed: options.seed) { logits, token in
    if firstLogits.isEmpty { firstLogits = logits }
    printStep(context.count - prompt.count + 1, context: context, logits: logits, chosen: token,
              options: options, tokenizer: tokenizer)
    context.append(token)
}
print("")
print("generated: \(quoted(options.prompt)) + \(quoted(tokenizer.decode(generated)))")

// MARK: - Temperature 0 is greedy decoding

print("")
print("Temperature 0 is greedy decoding.")
print("  As T → 0, softmax(logits / T) puts all its mass on the most likely token (step 1's logits):")
for temperature: Float in [2, 1, 0.5, 0.1, 0.01, 0.001] {
    let top = Sampling.probabilities(logits: firstLogits, temperature: temperature).max()!
    print("    T = \(pad("\(temperature)", 6)) top-1 probability \(format(top))")
}
var greedyOptions = options.sampling
greedyOptions.temperature = 0
let atZero = TextGenerator(model: model, options: greedyOptions, useCache: true)
    .generate(prompt: prompt, count: options.tokens, seed: options.seed)
let byArgmax = greedyDecode(model: model, prompt: prompt, count: options.tokens)
print("  TextGenerator at temperature 0:     \(quoted(tokenizer.decode(atZero)))")
print("  argmax of the logits at every step: \(quoted(tokenizer.decode(byArgmax)))")
if atZero == byArgmax {
    print("  identical: yes (\(atZero.count) tokens)")
} else {
    print("  identical: NO")
    exitWithError("sampling-explorer: temperature 0 and the argmax loop chose different tokens", code: 1)
}

/// Greedy decoding written out: run the model on the window, take the most likely next token.
func greedyDecode(model: GPT, prompt: [Int], count: Int) -> [Int] {
    let tape = Tape()
    var tokens = prompt
    for _ in 0..<count {
        let window = Array(tokens.suffix(model.config.blockSize))
        var forward = ForwardContext.evaluation
        let logits = tape.withoutGrad {
            model(window, batch: 1, time: window.count, tape: tape, context: &forward).logits.value
        }                                                                         // [1, T, V]
        let vocabulary = logits.shape[2]
        let last = (0..<vocabulary).map { logits[0, window.count - 1, $0] }
        tape.reset()
        tokens.append(Sampling.rankedIndices(Sampling.probabilities(logits: last, temperature: 1))[0])
    }
    return Array(tokens.dropFirst(prompt.count))
}

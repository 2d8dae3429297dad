// CandidateTable: one generation step seen through every stage of the sampling pipeline.
//
//   raw          p = softmax(logits)                     the model's own distribution (T = 1)
//   temperature  p_T = softmax(logits / T)               T < 1 sharpens, T > 1 flattens; T = 0 is
//                                                        the limit, all mass on the argmax
//   top-k        keep the k largest of p_T, renormalize
//   top-p        keep the largest until their mass reaches p, renormalize: the distribution
//                the token is drawn from
// Each stage is one call into `Sampling` (TapestryGPT/Sampling/SamplingFilters.swift), the same
// functions `TextGenerator` uses, so the table shows exactly what the generator did.

import Foundation
import TapestryGPT
import TapestryText

/// The probabilities of one step after each stage.
struct Stages {
    let raw: [Float]
    let tempered: [Float]
    let afterTopK: [Float]
    let afterTopP: [Float]

    init(logits: [Float], options: SamplingOptions) {
        raw = Sampling.probabilities(logits: logits, temperature: 1)
        if options.temperature == 0 {
            // The T → 0 limit of softmax(logits / T): all mass on the argmax (ties: lowest id).
            let best = Sampling.argmax(logits)
            tempered = logits.indices.map { $0 == best ? 1 : 0 }
        } else {
            tempered = Sampling.probabilities(logits: logits, temperature: options.temperature)
        }
        let tempered = self.tempered
        afterTopK = options.topK.map { Sampling.topK(tempered, k: $0) } ?? tempered
        afterTopP = Sampling.topP(afterTopK, p: options.topP)
    }
}

/// Prints the table of one step: the top `rows` candidates by raw probability, and the chosen one.
func printStep(_ step: Int, context: [Int], logits: [Float], chosen: Int, options: ExplorerOptions,
               tokenizer: any Tokenizer) {
    let stages = Stages(logits: logits, options: options.sampling)
    let ranked = Sampling.rankedIndices(stages.raw)
    let rank = ranked.firstIndex(of: chosen)! + 1
    let contextText = String(tokenizer.decode(context).suffix(32))
    print("")
    print("step \(step): after \(quoted(contextText)) → chose \(quoted(tokenizer.decode([chosen]))) (rank \(rank))")
    let topK = options.topK == 0 ? "top-k off" : "top-k \(options.topK)"
    print("  " + pad("rank", 6) + pad("id", 6) + pad("token", 8) + pad("raw", 10) + pad("T=\(options.temperature)", 10)
        + pad(topK, 10) + "top-p \(options.topP)")
    func row(_ position: Int) {
        let id = ranked[position]
        let mark = id == chosen ? "◀ chosen" : ""
        let columns = [stages.raw, stages.tempered, stages.afterTopK, stages.afterTopP].map { pad(format($0[id]), 10) }
        let line = "  " + pad("\(position + 1)", 6) + pad("\(id)", 6) + pad(quoted(tokenizer.decode([id])), 8)
            + columns.joined() + mark
        print(line.hasSuffix(" ") ? String(line.reversed().drop { $0 == " " }.reversed()) : line)
    }
    let shown = min(options.candidates, ranked.count)
    for position in 0..<shown { row(position) }
    if rank > shown {
        print("  …")
        row(rank - 1)
    }
    let keptK = stages.afterTopK.filter { $0 > 0 }.count
    let keptP = stages.afterTopP.filter { $0 > 0 }.count
    print("  kept: \(keptK) of \(logits.count) tokens after \(topK), \(keptP) after top-p \(options.topP)")
}

/// A probability with 4 decimals.
func format(_ p: Float) -> String { String(format: "%.4f", Double(p)) }

/// A token as a quoted, escaped string: "\n" for a newline.
func quoted(_ text: String) -> String {
    var out = "\""
    for character in text {
        switch character {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default: out.append(character)
        }
    }
    return out + "\""
}

/// `text` padded with spaces to `width` (at least one space after it).
func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
}

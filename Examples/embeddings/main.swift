// embeddings: look at a trained GPT's token embeddings, the table wte [V, C] of lesson 2.
//
//     swift run embeddings [--checkpoint out/model.safetensors] [--characters aoe,.T] [--neighbours N]
//                          [--limit N] [--out DIR]
//
// This file loads, prints and writes; Similarity.swift and PrincipalComponents.swift hold the
// math, Pictures.swift the two SVG files.
// Errors are one line on stderr, `error: embeddings: ...`, as in `train` and `sample`. Exit
// status: 0 success; 2 misuse (a bad flag, a missing or bad checkpoint, an --out that cannot be a
// directory); 1 a file that could not be written.
// Lesson: notebooks-md/02-embeddings.md

import Foundation
import Tapestry
import TapestryGPT
import TapestryText

func fail(_ message: String, code: Int32) -> Never { exitWithError("embeddings: \(message)", code: code) }

let options: EmbeddingOptions
let outputDirectory: OutputDirectory
do {
    guard let parsed = try EmbeddingOptions.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(EmbeddingOptions.usage)
        exit(0)
    }
    options = parsed
    outputDirectory = try OutputDirectory(checking: options.outputDirectory, for: "the pictures")
} catch { fail("\(error)", code: 2) }

// MARK: - The table

if !FileManager.default.fileExists(atPath: options.checkpoint) {
    fail("\(options.checkpoint): file not found (expected a checkpoint: run `swift run train`, or "
         + "`swift run train --max-iters 0 --out out/untrained` for an untrained one in seconds)", code: 2)
}
let loaded: ModelCheckpoint.Loaded
do { loaded = try ModelCheckpoint.load(path: options.checkpoint) } catch {
    fail("\(error)", code: (error as? TrainError)?.exitCode ?? 2)
}
let table = loaded.model.wte.weight.value                                  // [V, C]
let (v, c) = (table.shape[0], table.shape[1])
guard v >= 2 && c >= 2 else { fail("\(options.checkpoint): wte is [\(v), \(c)]; a picture needs V >= 2 and C >= 2", code: 2) }
let tokenizer = loaded.tokenizer
/// Each token's bytes (nil for a row the tokenizer has no token for), and its text (nil also when
/// the bytes are not UTF-8 on their own: part of a BPE character).
let bytes: [[UInt8]?] = (0..<v).map { try? tokenizer.decodeBytes([$0]) }
let texts: [String?] = bytes.map { $0.flatMap { String(bytes: $0, encoding: .utf8) } }
/// Each token readable on one line, with no blank in it: `\n`, `␣` for a space, `\xE2` for a byte.
func label(_ bytes: [UInt8]) -> String { BPETokenizer.displayed(bytes).replacingOccurrences(of: " ", with: "␣") }
let labels: [String] = (0..<v).map { id in bytes[id].map(label) ?? "#\(id)" }
var queries: [Int] = []
for character in options.characters.unicodeScalars {
    let ids = (try? tokenizer.encode(String(character))) ?? []
    guard ids.count == 1 else {
        fail("--characters: '\(label(Array(String(character).utf8)))' is not one token of this checkpoint's vocabulary", code: 2)
    }
    if !queries.contains(ids[0]) { queries.append(ids[0]) }
}

// MARK: - Print

let iteration = loaded.iteration
let valLoss = loaded.metadata["val_loss"].flatMap(Float.init).map { String(format: ", val loss %.4f", $0) } ?? ""
print("embeddings: \(options.checkpoint) (iteration \(iteration)\(valLoss), \(tokenizer.kind.rawValue) tokenizer)")
print("wte transformer.wte.weight: [\(v), \(c)] (\(v) tokens x \(c) channels)")
if iteration == 0 {
    print("iteration 0: this is the untrained table, every entry drawn from N(0, 0.02²). Nothing has been learned,")
    print("so expect a mean |cos| close to the random-direction value below, and neighbours that mean nothing.")
}

let similarity = cosineSimilarities(table)                                 // [V, V]
let summary = SimilaritySummary(similarity, channels: c)
print("")
print("cosine similarity S = U·Uᵀ, U = the rows of wte scaled to length 1: [\(v), \(v)]")
print(String(format: "  diagonal: largest |S[i, i] - 1| = %.1e (cos(a, a) = 1)", summary.largestDiagonalError))
print(String(format: "  symmetry: largest |S[i, j] - S[j, i]| = %.1e (cos(a, b) = cos(b, a))", summary.largestAsymmetry))
print(String(format: "  mean |cos| over the %d pairs: %.4f (random directions in C = %d dimensions: sqrt(2/(pi C)) = %.4f)",
             v * (v - 1) / 2, summary.meanAbsoluteCosine, c, summary.randomAbsoluteCosine))
let (best, worst) = (summary.mostSimilar, summary.mostOpposite)
print(String(format: "  most similar pair: %@ %@ %.4f; most opposite pair: %@ %@ %.4f",
             labels[best.i], labels[best.j], best.cosine, labels[worst.i], labels[worst.j], worst.cosine))

print("")
print("nearest neighbours by cosine (\(min(options.neighbours, v - 1)) of \(v - 1)):")
for id in queries {
    let neighbours = nearestNeighbours(of: id, in: similarity, count: options.neighbours)
    print("  \(labels[id])  →  " + neighbours.map { "\(labels[$0.id]) \(String(format: "%.4f", $0.cosine))" }.joined(separator: "  "))
}

let shown = min(v, options.limit)
let components = PrincipalComponents(of: table)
print("")
print("top two principal components of the \(v) rows (power iteration, \(components.iterations[0]) and "
      + "\(components.iterations[1]) steps): PC1 \(percent(components.fraction(0))), PC2 \(percent(components.fraction(1))) "
      + "of the variance")

// MARK: - Pictures

let when = iteration == 0 ? "untrained (iteration 0)" : "iteration \(iteration)"
let files = [
    (name: "embeddings-cosine.svg",
     text: cosineHeatmap(similarity, labels: Array(labels.prefix(shown)),
                         title: "cos(E[i], E[j]), wte [\(v), \(c)], \(when): dark = same direction, white = orthogonal or opposite")),
    (name: "embeddings-pca.svg",
     text: projectionSVG(components, labels: labels, classes: texts.map(TokenClass.init),
                         shown: shown, title: "wte rows on their top two principal components, \(when)")),
]
if shown < v { print("the pictures show tokens 0..<\(shown) of \(v) (--limit)") }
do { try outputDirectory.create() } catch { fail("\(error)", code: 2) }
do {
    for path in try writePictures(files, to: options.outputDirectory) { print("wrote \(path)") }
} catch { fail("\(error)", code: 1) }

// tape-step: watch reverse-mode autodiff one node at a time.
//
//   swift run tape-step                      interactive: Enter steps, c continues, q quits
//   swift run tape-step --non-interactive    print the whole walk (what the tests run)
//   swift run tape-step --inject-nan         zero W2 and watch √ at 0 produce Inf, then NaN
//   swift run tape-step --dot tape.dot       also write the graph for Graphviz
//
// It records a 2-layer MLP on one example (TinyMLP.swift) on a Tape, prints the tape as a list
// (TapeListing.swift), walks backward node by node (BackwardWalk.swift), sums up each leaf's
// gradient, and checks it against central finite differences.
// Errors are one line on stderr, `error: tape-step: ...`, as in `train`. Exit status: 0 success;
// 2 misuse (a bad flag, a --dot path that cannot be written: checked before the walk); 1 the
// DOT file could not be written.

import Foundation
import Tapestry
import TapestryGPT

/// All output goes through one unbuffered writer, so prompts and lines never interleave.
func say(_ line: String = "") { writeToStandardOutput(line + "\n") }

let options: TapeStepOptions
do {
    var parsed = TapeStepOptions()
    guard let result = try parseFlags(Array(CommandLine.arguments.dropFirst()), flags: TapeStepOptions.flags,
                                      into: &parsed) else {
        print(TapeStepOptions.help)
        exit(0)
    }
    options = result
} catch {
    exitWithError("tape-step: \(error)", code: 2)
}
if options.interactive && options.nonInteractive {
    exitWithError("tape-step: --interactive and --non-interactive contradict each other", code: 2)
}
if let path = options.dotPath {
    do { try checkOutputFile(path, flag: "dot") } catch { exitWithError("tape-step: \(error)", code: 2) }
}

// MARK: - Forward: record the graph

let mlp = TinyMLP(seed: options.seed, injectNaN: options.injectNaN)
let tape = Tape()
let (loss, leaves, input) = mlp.record(on: tape)
let names = Dictionary(uniqueKeysWithValues: zip(leaves.map(\.slot), mlp.leaves.map(\.name)))
let listing = TapeListing(tape: tape, names: names,
                          leafValues: Dictionary(uniqueKeysWithValues: leaves.map { ($0.slot, $0.value) }))
let constants = [("x", input.value)]
if let op = options.breakOp, !tape.entries.contains(where: { $0.op == op }) {
    exitWithError("tape-step: --break \(op): no such op on this tape (ops: \(Set(tape.entries.map(\.op)).sorted().joined(separator: ", ")))", code: 2)
}

say("tape-step: h = tanh(x·W1ᵀ + b1), logits = h·W2ᵀ + b2, loss = crossEntropy(logits, \(TinyMLP.target)) + \(TinyMLP.penaltyWeight)·√(Σ W2²)")
if options.injectNaN { say("--inject-nan: W2 starts at zero, so Σ W2² = 0 and √ is taken where its slope is infinite") }
say("")
say("The tape after the forward pass (\(leaves.count) leaves, \(tape.nodeCount) recorded ops, in order):")
listing.lines(constants: constants).forEach { say("  " + $0) }
say("loss = \(Preview.number(loss.value.item))" + (loss.value.item.isFinite ? " (every forward value is finite)" : ""))

// MARK: - Backward: one node at a time

let interactive = options.interactive || (!options.nonInteractive && isatty(0) != 0)
let walk = BackwardWalk(tape: tape, listing: listing, interactive: interactive, say: say)
walk.breakOnNonFinite = options.breakOnNonFinite || options.injectNaN
if let op = options.breakOp { walk.breakOps.insert(op) }
say("")
say("Backward, from the loss to the leaves (reverse recording order):")
if interactive { say("Enter: next node   c: continue   b <op>: break on op   n: break at first NaN/Inf   q: quit") }
walk.run(loss: loss)

// MARK: - Result: each leaf's gradient, checked by finite differences

say("")
if walk.quit { say("stopped before the leaves: their gradients below are partial") }
say("Gradients of the leaves (each is the sum of the contributions it received):")
var tapeGradients: [Tensor] = []
for (leaf, name) in zip(leaves, mlp.leaves.map(\.name)) {
    let gradient = tape.gradient(of: leaf) ?? Tensor(zeros: leaf.shape)
    tapeGradients.append(gradient)
    let from = walk.contributors[leaf.slot] ?? ["(no node yet)"]
    let fanOut = from.count > 1 ? "   (fan-out: used \(from.count) times, the contributions add)" : ""
    say("  dL/d\(name) = \(Preview.tensor(gradient))   from \(from.joined(separator: " + "))\(fanOut)")
}
if let entry = walk.firstNonFinite {
    say("first non-finite gradient: #\(entry.index) \(entry.op) (the forward value there was \(Preview.tensor(entry.value)))")
} else {
    say("every gradient is finite")
}

if !walk.quit {
    // Central differences: (L(w + h) − L(w − h)) / 2h for every weight, one at a time.
    let h: Float = 1e-3
    var worst: Float = 0, worstName = ""
    for (index, leaf) in mlp.leaves.enumerated() {
        for i in 0..<leaf.value.count {
            var values = mlp.leaves.map(\.value)
            var plus = values[index].scalars, minus = plus
            plus[i] += h
            minus[i] -= h
            values[index] = Tensor(shape: leaf.value.shape, scalars: plus)
            let up = mlp.loss(leafValues: values)
            values[index] = Tensor(shape: leaf.value.shape, scalars: minus)
            let numeric = (up - mlp.loss(leafValues: values)) / (2 * h)
            let difference = abs(tapeGradients[index].scalars[i] - numeric)
            // Keep the largest difference; a NaN, once seen, stays the verdict.
            if !worst.isNaN && (difference.isNaN || difference > worst) { worst = difference; worstName = "\(leaf.name)[\(i)]" }
        }
    }
    let count = mlp.leaves.reduce(0) { $0 + $1.value.count }
    let verdict = worst < 1e-2 ? "agree" : "DISAGREE"
    say("finite differences (h = 1e-3) vs tape over \(count) weights: max |difference| = \(Preview.number(worst)) at \(worstName): \(verdict)")
}

if let path = options.dotPath {
    do { try AtomicFile.write(text: listing.dot(constants: constants), to: path) }
    catch { exitWithError("tape-step: --dot: \(error)", code: 1) }
    say("wrote \(path) (render it with: dot -Tsvg \(path) -o tape.svg)")
}

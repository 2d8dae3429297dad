// BackwardWalk: runs Tape.backward one node at a time, like a debugger.
//
// `Tape.backward(loss, visit:)` calls `visit(entry, outputGradient)` just BEFORE each node's
// backward closure runs. The walk snapshots the gradients of that node's inputs then, and at
// the next visit (when the node's backward has run, and nothing else) reads them again: the
// difference is exactly what this node added, its contribution
//
//     contribution to dL/d(input) = upstream dL/d(output) × local d(output)/d(input)
//
// For an elementwise op (tanh, √, ...) the local gradient is a number per element, f'(x), and
// the walk prints it (computed from the input and output values). For the others (linear, sum, crossEntropy) it is
// a matrix product or a broadcast, and the walk prints the rule from the op's source.

import Foundation
import Tapestry

/// How each op of the MLP turns its output's gradient into its inputs': the rule for each input
/// (from the op's source), and for elementwise ops the local derivative as a function of the
/// input x and the output y.
struct LocalRule: Sendable {
    let rules: [String]
    let elementwise: (@Sendable (_ x: Float, _ y: Float) -> Float)?

    static let table: [String: LocalRule] = [
        "linear": LocalRule(rules: ["dx = dy · W", "dW = dyᵀ · x", "db = Σ_rows dy"], elementwise: nil),
        "tanh": LocalRule(rules: ["d tanh(x)/dx = 1 − y²"], elementwise: { _, y in 1 - y * y }),
        "crossEntropy": LocalRule(rules: ["d/dlogits = (softmax(logits) − onehot(target)) / N"], elementwise: nil),
        "squared": LocalRule(rules: ["d x²/dx = 2x"], elementwise: { x, _ in 2 * x }),
        "sum": LocalRule(rules: ["d Σx/dx = 1 for every element (dy broadcast)"], elementwise: nil),
        "sqrt": LocalRule(rules: ["d √x/dx = 1 / (2√x)"], elementwise: { _, y in 1 / (2 * y) }),
        "multiplyScalar": LocalRule(rules: ["d (c·x)/dx = c"], elementwise: { x, y in y / x }),
        "add": LocalRule(rules: ["d (a+b)/da = 1", "d (a+b)/db = 1"], elementwise: { _, _ in 1 }),
    ]
}

/// Steps through a backward pass, printing each node's contributions and pausing at breaks.
final class BackwardWalk {
    let tape: Tape
    let listing: TapeListing
    let say: (String) -> Void
    /// Pause and read commands from stdin.
    var interactive: Bool
    /// Pause after every node (true) or only at breaks (false).
    var stepping = true
    var breakOps: Set<String> = []
    var breakOnNonFinite = false
    /// The first node whose gradients were NaN or Inf, if any.
    private(set) var firstNonFinite: TapeEntry?
    /// Which nodes contributed to each slot's gradient.
    private(set) var contributors: [Int: [String]] = [:]
    /// True when the user quit before the walk reached the leaves.
    private(set) var quit = false

    /// The node whose backward is running: its entry, upstream gradient, and its inputs'
    /// gradients just before.
    private var pending: (entry: TapeEntry, upstream: Tensor, before: [Int: Tensor?])?

    init(tape: Tape, listing: TapeListing, interactive: Bool, say: @escaping (String) -> Void) {
        self.tape = tape
        self.listing = listing
        self.interactive = interactive
        self.say = say
    }

    /// Runs the backward pass of `loss` (seeded with dL/dL = 1), node by node.
    func run(loss: Variable) {
        say("seed: dL/d%\(loss.slot) = 1 (the gradient of the loss with respect to itself)")
        tape.backward(loss, seed: nil, visit: { [self] entry, upstream in
            guard finishPending() else { return false }
            let inputs = Set(entry.inputSlots.filter { $0 >= 0 })
            pending = (entry, upstream, Dictionary(uniqueKeysWithValues: inputs.map { ($0, tape.gradient(slot: $0)) }))
            return true
        })
        _ = finishPending()
    }

    /// Reports the node whose backward just ran and pauses if asked. False means "quit".
    private func finishPending() -> Bool {
        guard let (entry, upstream, before) = pending else { return true }
        pending = nil
        let inputs = entry.inputSlots.map { $0 < 0 ? "const" : listing.label($0) }.joined(separator: ", ")
        say("")
        say("◀ #\(entry.index) \(entry.op)   %\(entry.outputSlot) = \(entry.op)(\(inputs))   shape \(entry.value.shape)")
        say("    upstream  dL/d%\(entry.outputSlot) = \(Preview.tensor(upstream))")
        var finite = Preview.isFinite(upstream)
        let rule = LocalRule.table[entry.op]
        var seen = Set<Int>()
        for (position, slot) in entry.inputSlots.enumerated() {
            guard slot >= 0 else { say("    into const     no gradient (a constant)"); continue }
            guard seen.insert(slot).inserted else { continue }
            let ruleText = rule.map { $0.rules[min(position, $0.rules.count - 1)] } ?? "see the op's backward in Sources/Tapestry/Ops"
            let after = tape.gradient(slot: slot) ?? Tensor(zeros: [0])
            let earlier = before[slot] ?? nil
            contributors[slot, default: []].append("#\(entry.index) \(entry.op)")
            let target = pad("into " + listing.label(slot), 15)
            if let earlier, !Preview.isFinite(earlier) {
                // nan + anything = nan: once a gradient is poisoned, later additions cannot be told apart.
                say("    \(target)contribution lost: dL/d%\(slot) was already \(Preview.tensor(earlier)), and nan + anything = nan")
                continue
            }
            let contribution = earlier.map { after - $0 } ?? after
            finite = finite && Preview.isFinite(contribution)
            if let local = rule?.elementwise, let x = listing.value(slot), x.shape == upstream.shape {
                // Elementwise: the local gradient is one number per element, f'(x).
                let locals = Tensor(shape: x.shape, scalars: zip(x.scalars, entry.value.scalars).map { local($0, $1) })
                say("    \(target)\(Preview.tensor(upstream)) × \(Preview.tensor(locals)) = \(Preview.tensor(contribution))   (\(ruleText))")
            } else {
                say("    \(target)contribution \(Preview.tensor(contribution))   (\(ruleText))")
            }
            if let earlier {
                // Fan-out: this slot already had a gradient from a node visited earlier; they add.
                say("    \(pad("", 15))+ earlier \(Preview.tensor(earlier)) = dL/d%\(slot) so far \(Preview.tensor(after))")
            }
        }
        var reasons: [String] = []
        if !finite && firstNonFinite == nil {
            firstNonFinite = entry
            if breakOnNonFinite { reasons.append("first NaN/Inf gradient: it is born in the backward of #\(entry.index) \(entry.op)") }
        }
        if breakOps.contains(entry.op) { reasons.append("break on \(entry.op)") }
        if !reasons.isEmpty { say("── break at #\(entry.index) \(entry.op): " + reasons.joined(separator: "; ")) }
        guard interactive, stepping || !reasons.isEmpty else { return true }
        return prompt()
    }

    /// Reads commands until one resumes the walk. False means "quit".
    private func prompt() -> Bool {
        while true {
            writeToStandardOutput("tape-step> ")
            guard let line = readLine() else {
                // End of input: finish without pausing again.
                say("")
                interactive = false
                return true
            }
            let words = line.split(separator: " ").map(String.init)
            switch words.first ?? "" {
            case "", "s": stepping = true; return true
            case "c": stepping = false; return true
            case "n": breakOnNonFinite = true; stepping = false; return true
            case "q": quit = true; return false
            case "b" where words.count == 2:
                let ops = Set(tape.entries.map(\.op))
                guard ops.contains(words[1]) else {
                    say("no op named '\(words[1])' on this tape; ops: \(ops.sorted().joined(separator: ", "))")
                    continue
                }
                breakOps.insert(words[1])
                stepping = false
                return true
            case "h", "?", "help":
                say("Enter: next node   c: continue   b <op>: break on op   n: break at first NaN/Inf   q: quit")
            default:
                say("unknown command '\(line)' (h for help)")
            }
        }
    }
}

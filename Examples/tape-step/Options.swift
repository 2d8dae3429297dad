// Options: the command line of tape-step, one flag per field (the table is the --help text).

import TapestryGPT

/// What tape-step was asked to do.
struct TapeStepOptions {
    /// Print everything without pausing (also chosen automatically when stdin is not a terminal).
    var nonInteractive = false
    /// Pause even when stdin is not a terminal (for driving the stepper from a script).
    var interactive = false
    /// Write a Graphviz DOT file of the graph, with values and gradients, here.
    var dotPath: String? = nil
    /// Zero the second layer's weights so √(Σ W2²) sits at 0, where its slope is infinite.
    var injectNaN = false
    /// Ops to break on (like typing `b <op>` at the prompt).
    var breakOp: String? = nil
    /// Break at the first node whose gradients are NaN or Inf (like typing `n`).
    var breakOnNonFinite = false
    /// Seed of the weights.
    var seed: UInt64 = 1

    static var flags: [Flag<TapeStepOptions>] {
        [
            .switch("non-interactive", \.nonInteractive, "print the whole walk without pausing"),
            .switch("interactive", \.interactive, "pause after each node even when stdin is not a terminal"),
            .optionalString("dot", \.dotPath, "write a Graphviz DOT file of the graph with values and gradients"),
            .switch("inject-nan", \.injectNaN, "zero W2 so the norm penalty's √ is taken at 0 (see the NaN break)"),
            .optionalString("break", \.breakOp, "break on every node of this op (e.g. linear)"),
            .switch("break-on-nan", \.breakOnNonFinite, "break at the first node whose gradient is NaN or Inf"),
            .uint64("seed", \.seed, "seed of the weights"),
        ]
    }

    static var help: String {
        usage(program: "swift run tape-step",
              summary: """
              Records a 2-layer MLP on one example on a Tape, prints the tape, then walks backward one
              node at a time: upstream gradient × local gradient = contribution to each input.
              At the prompt: Enter steps, c continues, b <op> breaks on an op, n breaks at the first
              NaN/Inf, q quits.
              """,
              flags: flags, defaults: TapeStepOptions())
    }
}

// Tape: reverse-mode automatic differentiation as a Wengert list.
//
// What it is: an explicit object that records, in execution order, one node per op:
// the op's name, the slot of its output, and a backward closure written right beside the
// op's forward code. `backward(loss)` walks the nodes in reverse and calls each closure.
//
// Why a plain reverse loop is correct: an op can only consume values that already exist, so
// every node is recorded after the nodes that produced its inputs. Reverse recording order is
// therefore a topological order of the graph: by the time we reach a node, every consumer of
// its output has already added its share to the output's gradient. No recursive sort, no
// recursion limit (micrograd's recursive `build_topo` hits Python's limit on deep graphs).
//
// What it is not: a global. Swift 6 forbids a mutable global "current tape", and passing it
// explicitly makes clear which computation is being recorded.
//
// Gradient rules (written down, as the course asks):
// - Inside one backward pass, a value used twice receives the SUM of its gradients
//   (fan-out: `x * x`, residual branches, the tied `wte`). Every backward closure therefore
//   ADDS into its inputs' gradient buffers; it never assigns.
// - A `Parameter`'s gradient lives on the parameter, not on the tape, and backward adds into
//   it. It is not cleared by `reset()`. Call `zeroGrad()` on the parameters (or the optimizer)
//   once per optimizer step; several `backward` calls in between accumulate on purpose
//   (gradient accumulation over micro-batches).
// - `reset()` forgets the nodes and recycles the activation and gradient buffers for the next
//   step, so a steady-state training loop does not allocate tensor memory again.
//
// Record once, replay after (`replay()`): the graph of a training step is the same every step,
// only the numbers in it change. An op that also hands `record` its forward computation (a
// closure over the same input and output buffers) can be run again without running the code
// that built it (every op in Ops/ does, except the mixture of experts' routing ops, whose
// routing changes with the data). When every recorded op did, the trainer records its first
// step and from then on replays it: each forward closure in order, then `backward` as usual.
// No node, closure, shape array or output buffer is made again, so a replayed step allocates
// nothing. What a replay reads anew is what changed in place: parameters (the optimizer writes
// their buffers), `IndexBuffer`s of token ids and targets (the trainer refills them) and the
// `RandomStream` dropout draws from (the trainer re-seeds it). PyTorch's CUDA graphs are the
// same idea one level down.
// Lesson: notebooks-md/04-the-tape.md

/// The recorder of a computation, for reverse-mode differentiation.
///
/// ```swift
/// let tape = Tape()
/// let x = tape.variable(Tensor([1, 2, 3]))
/// let y = (x * x).sum()            // y = Σ x²
/// tape.backward(y)
/// tape.gradient(of: x)             // [2, 4, 6]
/// ```
public final class Tape {
    /// One recorded op: its name (for errors and the profiler), its output slot, and the
    /// closure that turns the output's gradient into contributions to its inputs' gradients.
    struct Node {
        let op: StaticString
        /// Where this node's input slots sit in `inputSlots`.
        let inputs: Range<Int>
        let output: Int
        let value: Tensor
        /// Recomputes `value` from the inputs' current values, into the same buffer (nil: the op
        /// cannot be replayed).
        let forward: (() -> Void)?
        let backward: (_ outputGradient: UnsafePointer<Float>) -> Void
    }

    var nodes: [Node] = []
    /// How many recorded nodes have no forward closure (any: `replay()` is not possible).
    var nodesWithoutForward = 0
    /// The input slots of every node, back to back (one shared array instead of one per node:
    /// with `removeAll(keepingCapacity:)` at reset, recording allocates nothing for them).
    var inputSlots: [Int] = []
    /// Gradient buffer of each slot; created zeroed on first use.
    var gradients: [TensorStorage?] = []
    /// Whether the tape owns the slot's gradient buffer (false for a parameter's `grad`).
    var ownsGradient: [Bool] = []
    /// Shape of the value in each slot.
    var slotShapes: [[Int]] = []
    let pool = BufferPool()

    /// When set, times every op's forward and backward (see OpProfiler.swift). Nil: no cost.
    public var profiler: OpProfiler?

    /// When true, `backward` gives each op output's gradient buffer back to the pool as soon
    /// as that op's backward has run, since nothing reads it afterwards. Peak memory then holds
    /// only the gradients still in flight, instead of one per activation; `gradient(of:)`
    /// answers only for leaves. The trainer turns it on; the default keeps every gradient
    /// for inspection.
    public var releasesIntermediateGradients = false

    /// False inside `withoutGrad`: ops compute values and record nothing.
    public private(set) var isRecording = true

    public init() {}

    /// Number of recorded ops.
    public var nodeCount: Int { nodes.count }

    /// The names of the recorded ops, in execution order.
    public var recordedOps: [String] { nodes.map { "\($0.op)" } }

    // MARK: - Leaves

    /// A leaf that requires a gradient (read it back with `gradient(of:)`).
    public func variable(_ value: Tensor) -> Variable {
        guard isRecording else { return Variable(value: value, tape: self) }
        return Variable(value: value, slot: newSlot(shape: value.shape, gradient: nil), tape: self)
    }

    /// A leaf that never receives a gradient: inputs, targets, masks.
    public func constant(_ value: Tensor) -> Variable {
        Variable(value: value, tape: self)
    }

    /// A leaf for a trainable parameter. Backward adds into `parameter.grad` directly.
    public func parameter(_ parameter: Parameter) -> Variable {
        guard isRecording else { return Variable(value: parameter.value, tape: self) }
        return Variable(value: parameter.value,
                        slot: newSlot(shape: parameter.value.shape, gradient: parameter.grad.storage),
                        tape: self)
    }

    func newSlot(shape: [Int], gradient: TensorStorage?) -> Int {
        gradients.append(gradient)
        ownsGradient.append(gradient == nil)
        slotShapes.append(shape)
        return gradients.count - 1
    }

    // MARK: - Recording (called by ops)

    /// Allocates an op's output from the tape's buffer pool. Contents are undefined.
    public func allocate(_ shape: [Int]) -> Tensor {
        pool.take(shape: shape, zeroed: false)
    }

    /// Records an op whose output is `output`, computed from `inputs`.
    ///
    /// If no input needs a gradient (or the tape is not recording) nothing is recorded and the
    /// result is a constant. Otherwise `backward` is stored and called during `backward(_:)`
    /// with a pointer to this output's gradient (same shape as `output`). It must ADD into the
    /// inputs' gradients via `gradientPointer(_:)`.
    ///
    /// `forward`, when given, is the computation that produced `output` (already run by the
    /// op): `replay()` calls it again to recompute `output` in place from the inputs' current
    /// values. It must read every input through a buffer that stays the same from step to step
    /// (tensors, parameters, `IndexBuffer`s), and allocate only through `withWorkspace`.
    public func record(_ op: StaticString, inputs: [Variable], output: Tensor,
                       forward: (() -> Void)? = nil,
                       backward: @escaping (_ outputGradient: UnsafePointer<Float>) -> Void) -> Variable {
        guard isRecording, inputs.contains(where: { $0.requiresGradient }) else {
            return Variable(value: output, tape: self)
        }
        profiler?.recordForward(op, index: nodes.count, inputs: inputs, output: output)
        let slot = newSlot(shape: output.shape, gradient: nil)
        let first = inputSlots.count
        for input in inputs { inputSlots.append(input.slot) }
        nodes.append(Node(op: op, inputs: first..<inputSlots.count, output: slot, value: output, forward: forward,
                          backward: backward))
        if forward == nil { nodesWithoutForward += 1 }
        return Variable(value: output, slot: slot, tape: self)
    }

    /// The gradient buffer of `variable`, created zeroed on first use, or nil if the variable
    /// does not need a gradient. Backward closures add into it.
    public func gradientPointer(_ variable: Variable) -> UnsafeMutablePointer<Float>? {
        guard variable.slot >= 0 else { return nil }
        if let existing = gradients[variable.slot] { return existing.pointer }
        let fresh = pool.takeZeroed(count: slotShapes[variable.slot].reduce(1, *))
        gradients[variable.slot] = fresh
        return fresh.pointer
    }

    /// For an op whose backward writes the WHOLE gradient of `variable` in one go (a GEMM):
    /// the gradient buffer and whether to add into it. The first contribution to a slot gets a
    /// fresh buffer with undefined contents and `accumulate` false (so it must overwrite every
    /// element), which saves zeroing it; any later one gets the buffer and `accumulate` true.
    /// Nil if the variable needs no gradient.
    public func gradientForWriting(_ variable: Variable) -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)? {
        guard variable.slot >= 0 else { return nil }
        if let existing = gradients[variable.slot] { return (existing.pointer, true) }
        let fresh = pool.takeOwned(count: slotShapes[variable.slot].reduce(1, *))
        gradients[variable.slot] = fresh
        return (fresh.pointer, false)
    }

    /// Runs `body` with a buffer of `count` floats from the pool (contents undefined), given
    /// back when `body` returns: an op's scratch space that never outlives the op, such as
    /// attention's per-head workspace or LayerNorm's partial sums. Reused from step to step,
    /// so it costs no allocation in a steady state, replayed or not.
    public func withWorkspace<Result>(count: Int, _ body: (UnsafeMutablePointer<Float>) -> Result) -> Result {
        let storage = pool.takeOwned(count: count)
        defer { pool.giveBack(storage) }
        return body(storage.pointer)
    }

    // MARK: - Replay

    /// Whether `replay()` can run this tape's recording again: it holds at least one node,
    /// and every node's op handed `record` its forward closure.
    public var isReplayable: Bool { !nodes.isEmpty && nodesWithoutForward == 0 }

    /// Counts `reset()` calls. A Variable recorded while `generation` was g is part of the
    /// recording (and can be read after a `replay()`) only while `generation` is still g.
    public private(set) var generation = 0

    /// Runs the recorded forward pass again, op by op in recording order, each writing the same
    /// output buffer as when it was recorded; every Variable of the recording then holds this
    /// pass's values, and `backward` can follow as usual. The gradients of the previous
    /// backward pass are released first (parameters' gradients are untouched, as ever).
    /// Requires `isReplayable`. Nothing is allocated, on any thread count (the ops' threaded
    /// loops are `ParallelLoop` values). The profiler, if set, is not consulted.
    public func replay() {
        precondition(isReplayable, "Tape.replay: the tape holds no recording, or an op without a forward closure")
        releaseGradients()
        for node in nodes { node.forward!() }
    }

    /// Gives every gradient buffer the tape owns back to the pool and forgets it, keeping the
    /// nodes (a parameter's slot keeps its `grad` buffer).
    func releaseGradients() {
        for slot in gradients.indices where ownsGradient[slot] {
            if let gradient = gradients[slot] {
                pool.giveBack(gradient)
                gradients[slot] = nil
            }
        }
    }

    // MARK: - Backward

    /// Computes d(loss)/d(every variable that needs a gradient). `loss` must hold one element;
    /// its gradient is seeded with 1. For a non-scalar output pass `seed` (same shape).
    public func backward(_ loss: Variable, seed: Tensor? = nil) {
        backward(loss, seed: seed, visit: nil)
    }

    /// `backward`, one node at a time: before each node's backward runs, `visit` sees the node
    /// and its output's gradient; returning false stops the pass there (the tape-step example
    /// uses this to walk backward like a debugger).
    public func backward(_ loss: Variable, seed: Tensor? = nil, visit: ((TapeEntry, Tensor) -> Bool)?) {
        precondition(loss.slot >= 0,
                     "Tape.backward: the loss does not depend on any variable or parameter that needs a gradient")
        if let seed {
            checkShapes { () throws(ShapeError) in
                try Shapes.require(seed.shape, equals: loss.shape, "seed shape", op: "backward")
            }
        } else {
            precondition(loss.value.count == 1, "Tape.backward: loss must be a scalar, got shape \(loss.shape)")
        }
        let lossGradient = gradientPointer(loss)!
        if let seed {
            for i in 0..<seed.count { lossGradient[i] += seed.pointer[i] }
        } else {
            lossGradient[0] += 1
        }
        for (index, node) in nodes.enumerated().reversed() {
            // A node whose output received no gradient contributes nothing: skip it.
            guard let outputGradient = gradients[node.output] else { continue }
            if let visit {
                let gradient = Tensor(shape: node.value.shape, storage: outputGradient.copy())
                if !visit(entry(index), gradient) { return }
            }
            if let profiler {
                let start = profiler.clock()
                node.backward(UnsafePointer(outputGradient.pointer))
                profiler.recordBackward(node.op, index: index, seconds: profiler.clock() - start)
            } else {
                node.backward(UnsafePointer(outputGradient.pointer))
            }
            if releasesIntermediateGradients {                   // nothing reads it any more
                pool.giveBack(outputGradient)
                gradients[node.output] = nil
            }
        }
    }

    /// A recorded op, as the tape-step example and the profiler see it.
    public func entry(_ index: Int) -> TapeEntry {
        let node = nodes[index]
        return TapeEntry(index: index, op: "\(node.op)", inputSlots: Array(inputSlots[node.inputs]), outputSlot: node.output,
                         value: node.value)
    }

    /// Every recorded op, in execution order.
    public var entries: [TapeEntry] { nodes.indices.map(entry) }

    /// The gradient collected in `slot` so far, or nil.
    public func gradient(slot: Int) -> Tensor? {
        guard slot >= 0, slot < gradients.count, let storage = gradients[slot] else { return nil }
        return Tensor(shape: slotShapes[slot], storage: storage.copy())
    }

    /// The gradient of `variable` after `backward`, or nil if none flowed into it.
    public func gradient(of variable: Variable) -> Tensor? {
        guard variable.slot >= 0, let storage = gradients[variable.slot] else { return nil }
        return Tensor(shape: variable.shape, storage: storage.copy())
    }

    // MARK: - Modes and reuse

    /// Runs `body` without recording: evaluation and sampling. Values are computed as usual.
    public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        let saved = isRecording
        isRecording = false
        defer { isRecording = saved }
        return try body()
    }

    /// Forgets every node and slot, and returns the buffers nobody else holds to the pool.
    /// Parameters' gradients are untouched. Call once per training step.
    public func reset() {
        releaseGradients()
        ownsGradient.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
        nodesWithoutForward = 0
        generation += 1
        inputSlots.removeAll(keepingCapacity: true)
        gradients.removeAll(keepingCapacity: true)
        slotShapes.removeAll(keepingCapacity: true)
        pool.recycle()
    }

    /// Bytes of tensor memory the pool has handed out or keeps for reuse.
    public var pooledBytes: Int { pool.totalBytes }
}

/// One recorded op: its position on the tape, its name, the slots of its inputs (-1 for
/// constants) and of its output, and the output's value.
public struct TapeEntry {
    public let index: Int
    public let op: String
    public let inputSlots: [Int]
    public let outputSlot: Int
    public let value: Tensor
}

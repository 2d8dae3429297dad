// Cross-entropy of logits against integer targets, fused with its softmax.
//
// For N rows of logits x [N, V] and targets tₙ ∈ 0..<V:
//   loss = (1/N) Σₙ −log softmax(xₙ)[tₙ] = (1/N) Σₙ (log Σⱼ exp(xₙⱼ) − xₙ,tₙ)
// Written the second way, with log Σ exp computed stably (RowMath.logSumExp's max shift), the
// loss stays finite even when the target's probability underflows to 0 in Float.
//
// Why fused: the derivative of −log softmax(x)[t] with respect to x is simply p − onehot(t).
// Forward keeps p (it computes it anyway), and backward is one subtraction per row:
//   dlogits = (p − onehot(t)) · dloss / N
// The unfused route (softmax, log, gather, mean) would store three tensors and run four backward
// passes to get the same numbers, less accurately.
//
// What this is not: label smoothing, class weights or an ignore index (nanoGPT uses none).
// Lesson: notebooks-md/09-training.md

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Variable {
    /// The mean cross-entropy loss of logits `self` [..., V] against `targets` (one class index
    /// in `0..<V` per row, rows = all leading dimensions flattened):
    /// `loss = (1/N) Σₙ (log Σⱼ exp(xₙⱼ) − xₙ,tₙ)`. Returns a scalar (shape `[]`).
    ///
    /// At uniform logits every class has probability 1/V, so the loss is ln V
    /// (ln 65 ≈ 4.174 for a character model before training).
    public func crossEntropy(targets: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        crossEntropy(targets: IndexBuffer(targets), file: file, line: line)
    }

    /// The same loss, reading the targets from `targets` whenever it runs: a replayed
    /// recording (Tape.replay) uses whatever the buffer holds then, checked again each time.
    public func crossEntropy(targets: IndexBuffer, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let logits = self
        let classes = RowMath.lastAxis(of: logits.shape, op: "crossEntropy", file: file, line: line)
        let rows = logits.value.count / classes                                 // N
        let probabilities = tape.allocate([rows, classes])                      // [N, V]
        let rowLosses = tape.allocate([rows])                                   // [N]
        let loss = tape.allocate([])                                            // scalar
        let xp = logits.value.pointer

        // Forward: p = softmax(x) row by row (saved for backward), each row's loss, their mean.
        func forward() {
            let pp = probabilities.storage.pointer, lp = rowLosses.storage.pointer
            checkShapes { () throws(ShapeError) in
                try Shapes.requireIndices(targets.values, count: rows, below: classes, "target", at: "row",
                                          op: "crossEntropy", file: file, line: line)
            }
            targets.values.withUnsafeBufferPointer { target in
                RowMath.forEachRowRange(rows: rows, columns: classes,
                                        CrossEntropyRows(x: xp, targets: target, probabilities: pp, losses: lp,
                                                         classes: classes))
            }
            // The mean, summed in a fixed order (and in Double) whatever the thread count.
            var total = 0.0
            for n in 0..<rows { total += Double(lp[n]) }
            loss.storage.pointer[0] = Float(total / Double(rows))
        }
        forward()

        return tape.record("crossEntropy", inputs: [logits], output: loss, forward: forward) { dLoss in
            guard let dx = logits.tape.gradientPointer(logits) else { return }
            // d loss / d xₙⱼ = (pₙⱼ − [j == tₙ]) / N, times the incoming gradient.
            let scale = dLoss[0] / Float(rows)
            let pp = probabilities.storage.pointer
            targets.values.withUnsafeBufferPointer { target in
                RowMath.forEachRowRange(rows: rows, columns: classes,
                                        CrossEntropyBackwardRows(probabilities: pp, targets: target, scale: scale,
                                                                 dx: dx, classes: classes))
            }
        }
    }
}

/// Forward, row by row: p = softmax(x) (kept for backward) and the row's loss log Σ exp − x[t].
struct CrossEntropyRows: ParallelLoop {
    let x: UnsafePointer<Float>, targets: UnsafeBufferPointer<Int>
    let probabilities: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>
    let classes: Int
    func run(_ rows: Range<Int>) {
        for n in rows {
            let row = x + n * classes
            let (maximum, sum) = RowMath.softmax(row, into: probabilities + n * classes, count: classes)
            losses[n] = maximum + logf(sum) - row[targets[n]]
        }
    }
}

/// Backward, row by row: dx += scale · (p − onehot(t)).
struct CrossEntropyBackwardRows: ParallelLoop {
    let probabilities: UnsafePointer<Float>, targets: UnsafeBufferPointer<Int>, scale: Float
    let dx: UnsafeMutablePointer<Float>, classes: Int
    func run(_ rows: Range<Int>) {
        for n in rows {
            Kernels.axpy(scale, probabilities + n * classes, dx + n * classes, count: classes)
            dx[n * classes + targets[n]] -= scale
        }
    }
}

extension Shapes {
    /// Requires `indices.count == count` and every index in `0..<bound`, naming the first
    /// offender: `crossEntropy: target 70 at row 3 is out of range 0..<65 (at Train.swift:12)`.
    public static func requireIndices(_ indices: [Int], count: Int, below bound: Int, _ what: String,
                                      at place: String, op: String,
                                      file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) {
        guard indices.count == count else {
            throw ShapeError(op: op, "expected \(count) \(what)s (one per \(place)), got \(indices.count)",
                             file: file, line: line)
        }
        if let bad = indices.firstIndex(where: { $0 < 0 || $0 >= bound }) {
            throw ShapeError(op: op, "\(what) \(indices[bad]) at \(place) \(bad) is out of range 0..<\(bound)",
                             file: file, line: line)
        }
    }
}

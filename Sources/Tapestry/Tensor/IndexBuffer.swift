// IndexBuffer: integer ids (token ids, class targets) that ops read by reference.
//
// Why a class and not an [Int]: a training step is recorded once and replayed on every new
// batch (Tape.replay). The replayed embedding and cross-entropy ops must then see the new
// batch's ids, the way the replayed linear ops see weights the optimizer updated in place. So
// they read their ids from a buffer the trainer refills in place, one batch after another.
// Ops that take a plain [Int] wrap it in a fresh IndexBuffer.
// Lesson: notebooks-md/04-the-tape.md ("Record once, replay")

/// A refillable list of integer ids, shared by reference between its owner and the ops that
/// read it.
public final class IndexBuffer {
    /// The ids. Refill in place, keeping the count, between replays of a recording that reads them.
    public var values: [Int]

    public init(_ values: [Int] = []) {
        self.values = values
    }

    /// Number of ids.
    public var count: Int { values.count }
}

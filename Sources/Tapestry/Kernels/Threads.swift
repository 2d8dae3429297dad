// Threads: a persistent worker pool and the kernels' parallel-for.
//
// What it is: `count - 1` long-lived worker threads plus the calling thread. `parallelFor(n)`
// splits 0..<n into `count` contiguous chunks, and the caller and the workers take chunks
// until none is left. While the workers are awake a fork and join of two threads costs about
// 0.3 µs (measured; DispatchQueue.concurrentPerform costs 40-60 µs per call on this VM, as
// much as a whole GEMM of this model). After ~1 ms without work a worker parks on a semaphore, so an idle pool
// burns no CPU. Every spin is bounded: two vCPUs may share one physical core, and a thread
// that spins forever steals the time slice its partner needs.
//
// A loop body is a value (`ParallelLoop`): the pointers and sizes it works on, and `run(range)`.
// The caller lends it to the workers by address, from its own stack, so a threaded training
// step allocates nothing. (A closure would have to escape to reach another thread, and Swift
// boxes a non-escaping closure on the heap to let it: one malloc per loop, ~115 per step.) A
// closure form remains for code where that does not matter (tests, one-off passes).
//
// What it is not: a task scheduler. One parallelFor runs at a time. A second caller (another
// thread, or a nested call from inside a chunk) runs the same chunks one after another on its
// own thread. Since the split depends only on `n` and `count`, who runs a chunk never changes
// what it computes.

import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value handed to another thread without the compiler's `Sendable` check: the one
/// `@unchecked Sendable` wrapper of the kernels (the published job: a pointer to the caller's loop).
///
/// Why it is safe here: `Threads.parallelFor` does not return before every worker has finished
/// with its chunk, so nothing outlives the call that lent it; and the chunks are disjoint ranges
/// of output rows, so no two threads write the same memory. Code that uses this wrapper must keep
/// both rules.
public struct UnsafeSendable<Value>: @unchecked Sendable {
    /// The wrapped value.
    public let value: Value
    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }
}

/// The body of a parallel loop as a value: the pointers and sizes it works on (its stored
/// properties), and what it does for one contiguous range of the loop's indices.
///
/// Example: `Threads.parallelFor(rows, SoftmaxRows(x: x, y: y, columns: 65))` runs
/// `SoftmaxRows.run` on chunks of `0..<rows`, one per thread.
public protocol ParallelLoop {
    /// Does the work of the indices in `range`, writing only memory that belongs to them.
    func run(_ range: Range<Int>)
}

extension ParallelLoop {
    /// Runs the loop stored at `pointer` on `range`: how a worker calls a loop that it knows
    /// only by address and type.
    static func run(at pointer: UnsafeRawPointer, _ range: Range<Int>) {
        pointer.assumingMemoryBound(to: Self.self).pointee.run(range)
    }
}

/// How many threads the kernels use, and a parallel-for over contiguous index ranges.
public enum Threads {
    /// Number of threads that `parallelFor` uses (1 = the calling thread only; the default).
    public static var count: Int { state.withLock { $0.count } }

    /// The thread count that `setCount(n)` sets: n clamped to 1...64.
    static func clamped(_ n: Int) -> Int { min(max(n, 1), 64) }

    /// Sets the number of threads (clamped to 1...64). Results never depend on it.
    ///
    /// Safe to call at any time. Workers of the old pool finish the job they are running,
    /// then exit.
    public static func setCount(_ n: Int) {
        let retired: WorkerPool? = state.withLock { state in
            let n = clamped(n)
            guard n != state.count else { return nil }
            state.count = n
            let old = state.pool
            state.pool = nil                        // the next parallelFor starts a new pool
            return state.poolInUse ? nil : old      // a busy pool is stopped by its user
        }
        retired?.stop()
    }

    /// Chunk `index` of `chunks` contiguous, nearly equal chunks of `0..<n`.
    ///
    /// Example: n = 10, chunks = 3 gives 0..<3, 3..<6, 6..<10.
    public static func chunk(_ index: Int, of n: Int, chunks: Int) -> Range<Int> {
        (index * n / chunks)..<((index + 1) * n / chunks)
    }

    /// Splits `0..<n` into `min(count, n)` contiguous chunks (see `chunk(_:of:chunks:)`), runs
    /// `loop.run` once per chunk, and returns when all are done. The calling thread runs chunks
    /// too; which thread runs which chunk varies, the chunks themselves never do.
    ///
    /// `loop.run` must write only memory that belongs to its own range. Nothing is allocated:
    /// the workers read `loop` where it lies, in the caller's frame.
    public static func parallelFor<Loop: ParallelLoop>(_ n: Int, _ loop: Loop) {
        guard n > 0 else { return }
        let (chunks, pool) = state.withLock { state -> (Int, WorkerPool?) in
            let chunks = min(state.count, n)
            guard chunks > 1, !state.poolInUse else { return (chunks, nil) }
            if state.pool == nil { state.pool = WorkerPool(workerCount: state.count - 1) }
            state.poolInUse = true
            return (chunks, state.pool)
        }
        guard let pool else {
            // One thread, or the pool is busy (nested or concurrent call): same chunks, in order.
            for index in 0..<chunks { loop.run(chunk(index, of: n, chunks: chunks)) }
            return
        }
        pool.run(n: n, chunks: chunks, loop)
        let retired = state.withLock { state -> Bool in
            state.poolInUse = false
            return state.pool !== pool              // setCount replaced it while we ran
        }
        if retired { pool.stop() }
    }

    /// `parallelFor` with the body as a closure: the same chunks and guarantees, for code where
    /// one small heap allocation per call (with more than one thread) does not matter.
    public static func parallelFor(_ n: Int, _ body: (Range<Int>) -> Void) {
        guard n > 1, count > 1 else {
            if n > 0 { body(0..<n) }
            return
        }
        withoutActuallyEscaping(body) { body in parallelFor(n, ClosureLoop(body: body)) }
    }

    /// A closure as a `ParallelLoop`.
    struct ClosureLoop: ParallelLoop {
        let body: (Range<Int>) -> Void
        func run(_ range: Range<Int>) { body(range) }
    }

    struct State {
        var count = 1
        var pool: WorkerPool?
        var poolInUse = false
    }

    static let state = Mutex(State())
}

/// Monotonic time in nanoseconds, for bounding spins.
@inline(__always) func nanosecondsNow() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// How long a thread spins on an atomic before it parks or yields (about 1 ms).
let spinLimitNanoseconds: UInt64 = 1_000_000

/// The worker threads of one thread count. `Threads` replaces the pool when the count changes.
///
/// A job is published in `slot` and announced by bumping `generation`. Every participant, the
/// caller included, then claims chunks from the slot (under its lock) until none is left.
/// Claiming rather than assigning matters on a shared machine: if a worker is descheduled
/// before it starts, the caller simply runs that chunk too instead of waiting a whole time
/// slice for it. Chunk boundaries depend only on (n, chunks), so who runs which chunk never
/// changes a result.
final class WorkerPool: Sendable {
    /// A published loop: where it lies (in the caller's frame), its type, and its split.
    struct Job {
        let loop: UnsafeRawPointer
        let type: any ParallelLoop.Type
        let n: Int
        let chunks: Int
    }

    /// The current job and the next chunk to hand out.
    struct Slot {
        var nextChunk = 0
        var job: UnsafeSendable<Job>?

        /// Takes the next unclaimed chunk of the current job, if any.
        mutating func claim() -> (job: Job, chunk: Int)? {
            guard let job = job?.value, nextChunk < job.chunks else { return nil }
            nextChunk += 1
            return (job, nextChunk - 1)
        }
    }

    final class Worker: Sendable {
        let sleeping = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    let workers: [Worker]
    /// Bumped once per job (and once on stop); idle workers spin on it.
    let generation = Atomic<Int>(0)
    /// Chunks of the current job not yet finished.
    let pending = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let slot = Mutex(Slot())

    init(workerCount: Int) {
        workers = (0..<workerCount).map { _ in Worker() }
        for index in 0..<workerCount {
            let thread = Thread { [self] in workerLoop(index) }
            thread.name = "Tapestry worker \(index + 1)"
            thread.start()
        }
    }

    /// Runs `loop` on the `chunks` chunks of `0..<n`, here and on up to `chunks - 1` workers.
    /// The workers read `loop` through a pointer into this frame, which is valid until `run`
    /// returns, and `run` returns only when every chunk is done.
    func run<Loop: ParallelLoop>(n: Int, chunks: Int, _ loop: Loop) {
        withUnsafePointer(to: loop) { loop in
            // Order matters: pending first, then the job, then the signal that workers watch.
            pending.store(chunks, ordering: .sequentiallyConsistent)
            let job = Job(loop: UnsafeRawPointer(loop), type: Loop.self, n: n, chunks: chunks)
            slot.withLock { $0 = Slot(job: UnsafeSendable(job)) }
            generation.add(1, ordering: .sequentiallyConsistent)
            for worker in workers.prefix(chunks - 1) { wakeIfSleeping(worker) }

            runClaimedChunks()

            let start = nanosecondsNow()
            var spins = 0
            while pending.load(ordering: .acquiring) != 0 {
                spins &+= 1
                if spins & 63 == 0, nanosecondsNow() &- start > spinLimitNanoseconds { sched_yield() }
            }
            slot.withLock { $0.job = nil }          // the pointer into this frame dies here
        }
    }

    /// Makes every worker exit after its current job.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        for worker in workers { wakeIfSleeping(worker) }
    }

    private func wakeIfSleeping(_ worker: Worker) {
        if worker.sleeping.compareExchange(expected: true, desired: false,
                                           ordering: .sequentiallyConsistent).exchanged {
            worker.wake.signal()
        }
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            waitForGeneration(after: seen, worker: workers[index])
            if stopping.load(ordering: .sequentiallyConsistent) { return }
            seen = generation.load(ordering: .acquiring)
            runClaimedChunks()
        }
    }

    /// Claims and runs chunks of the published job until none is left.
    private func runClaimedChunks() {
        while runOneClaimedChunk() {
            pending.subtract(1, ordering: .releasing)
        }
    }

    /// Runs one claimed chunk; false if there was none. Not inlined, so that this thread is
    /// done with the caller's loop value before `pending` drops: `run` may return as soon as it
    /// reaches zero.
    @inline(never)
    private func runOneClaimedChunk() -> Bool {
        guard let (job, chunk) = slot.withLock({ $0.claim() }) else { return false }
        job.type.run(at: job.loop, Threads.chunk(chunk, of: job.n, chunks: job.chunks))
        return true
    }

    /// Spins until `generation` differs from `seen`; after ~1 ms parks on the semaphore.
    private func waitForGeneration(after seen: Int, worker: Worker) {
        var start = nanosecondsNow()
        var spins = 0
        while generation.load(ordering: .acquiring) == seen {
            spins &+= 1
            guard spins & 63 == 0, nanosecondsNow() &- start > spinLimitNanoseconds else { continue }
            // Park. Announce it first, then look once more, so that a job published in
            // between is not missed: whoever flips `sleeping` back to false owns the wake-up.
            worker.sleeping.store(true, ordering: .sequentiallyConsistent)
            if generation.load(ordering: .sequentiallyConsistent) != seen {
                if worker.sleeping.compareExchange(expected: true, desired: false,
                                                   ordering: .sequentiallyConsistent).exchanged {
                    return
                }
            }
            worker.wake.wait()                      // the publisher cleared `sleeping` and signals
            start = nanosecondsNow()
        }
    }
}

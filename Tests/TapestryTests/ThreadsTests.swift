// The worker pool: every index is visited exactly once, chunks are the documented contiguous
// split, the pool survives parking, nesting and count changes, and GEMM gives bit-identical
// results on 1 and 2 threads.
// Serialized, and every change of the process-wide thread count goes through
// `withThreadCount` (TapestryTestSupport), which holds one lock for all test targets.

import Testing
import Synchronization
@testable import Tapestry
import TapestryTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ranges that one parallelFor handed out, in the order they ran.
func rangesVisited(_ n: Int) -> [Range<Int>] {
    let ranges = Mutex<[Range<Int>]>([])
    Threads.parallelFor(n) { range in ranges.withLock { $0.append(range) } }
    return ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
}

@Suite(.serialized) struct ThreadsTests {
    @Test func chunksAreContiguousAndNearlyEqual() {
        #expect((0..<3).map { Threads.chunk($0, of: 10, chunks: 3) } == [0..<3, 3..<6, 6..<10])
        #expect((0..<2).map { Threads.chunk($0, of: 1, chunks: 2) } == [0..<0, 0..<1])
    }

    @Test func parallelForVisitsEveryIndexExactlyOnce() {
        for count in [1, 2, 3] {
            withThreadCount(count) {
                for n in [0, 1, 2, 3, 7, 100, 1001] {
                    var visits = [Int](repeating: 0, count: n)
                    visits.withUnsafeMutableBufferPointer { visits in
                        Threads.parallelFor(n) { range in
                            for i in range { visits[i] += 1 }           // disjoint ranges: no race
                        }
                    }
                    #expect(visits.allSatisfy { $0 == 1 }, "count \(count), n \(n)")
                    let expected = (0..<min(count, n)).map { Threads.chunk($0, of: n, chunks: min(count, n)) }
                    #expect(rangesVisited(n) == expected, "count \(count), n \(n)")
                }
            }
        }
    }

    /// A loop body as a value: it counts visits and logs the chunks it was given.
    struct VisitCounter: ParallelLoop {
        let visits: UnsafeMutablePointer<Int>
        let log: RangeLog
        func run(_ range: Range<Int>) {
            for i in range { visits[i] += 1 }                           // disjoint ranges: no race
            log.ranges.withLock { $0.append(range) }
        }
    }

    final class RangeLog: Sendable {
        let ranges = Mutex<[Range<Int>]>([])
        var sorted: [Range<Int>] { ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound } }
    }

    @Test func aLoopValueGetsTheSameChunksAsAClosure() {
        // The allocation-free form that the kernels use: the workers read the value in place.
        for count in [1, 2, 3] {
            withThreadCount(count) {
                for n in [0, 1, 2, 3, 7, 100, 1001] {
                    var visits = [Int](repeating: 0, count: n)
                    let log = RangeLog()
                    visits.withUnsafeMutableBufferPointer { visits in
                        Threads.parallelFor(n, VisitCounter(visits: visits.baseAddress!, log: log))
                    }
                    #expect(visits.allSatisfy { $0 == 1 }, "count \(count), n \(n)")
                    #expect(log.sorted == rangesVisited(n), "count \(count), n \(n)")
                }
            }
        }
    }

    @Test func countIsClamped() {
        // Checked on the pure function: the count itself is process-wide, and suites of other
        // targets that run in parallel (training runs) set it too.
        #expect(Threads.clamped(0) == 1)
        #expect(Threads.clamped(1000) == 64)
        #expect(Threads.clamped(2) == 2)
    }

    @Test func manyForksAndParkedWorkersComplete() {
        // Back-to-back forks (workers spinning), then forks after 3 ms pauses (workers parked
        // on their semaphore and woken again). A lost wake-up would hang here.
        withThreadCount(2) {
            let total = Atomic<Int>(0)
            for round in 0..<2000 {
                if round % 400 == 399 { usleep(3000) }
                Threads.parallelFor(4) { range in total.add(range.count, ordering: .relaxed) }
            }
            #expect(total.load(ordering: .relaxed) == 8000)
        }
    }

    @Test func nestedParallelForRunsItsChunksOnTheCallingThread() {
        withThreadCount(2) {
            let inner = Mutex<[Range<Int>]>([])
            Threads.parallelFor(2) { outer in
                Threads.parallelFor(10) { range in inner.withLock { $0.append(range) } }
                _ = outer
            }
            let ranges = inner.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
            // Each of the two outer chunks ran the same two inner chunks.
            #expect(ranges == [0..<5, 0..<5, 5..<10, 5..<10])
        }
    }

    @Test func changingTheCountBetweenCallsKeepsWorking() {
        for count in [2, 3, 1, 2, 4, 2] {
            withThreadCount(count) {
                #expect(rangesVisited(12).reduce(0) { $0 + $1.count } == 12, "count \(count)")
            }
        }
    }

    @Test func gemmIsBitIdenticalOnOneAndTwoThreads() {
        // The model's shapes use both splits: forward and dX by rows, dW by columns.
        #expect(!GEMM.splitsByColumns(m: 768, n: 384, columnPanels: 24, threads: 2))
        #expect(GEMM.splitsByColumns(m: 128, n: 512, columnPanels: 32, threads: 2))
        // Shapes big enough to fork, plus odd sizes so that a split lands next to edge tiles.
        let shapes = modelGEMMShapes + [(m: 301, n: 75, k: 333, transposeA: true, transposeB: true),
                                        (m: 61, n: 250, k: 500, transposeA: false, transposeB: true)]
        for (index, shape) in shapes.enumerated() {
            let problem = GEMMCase(m: shape.m, n: shape.n, k: shape.k, transposeA: shape.transposeA,
                                   transposeB: shape.transposeB, seed: UInt64(200 + index))
            let accumulate = index % 2 == 0
            let one = withThreadCount(1) { problem.run(accumulate: accumulate) }
            let two = withThreadCount(2) { problem.run(accumulate: accumulate) }
            let three = withThreadCount(3) { problem.run(accumulate: accumulate) }
            #expect(one == two, "\(problem)")
            #expect(one == three, "\(problem)")
        }
    }
}

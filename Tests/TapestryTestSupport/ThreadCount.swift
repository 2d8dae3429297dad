// ThreadCount: one lock for every test that changes the process-wide `Threads.count`.
//
// `swift test` runs the suites of all test targets in one process and in parallel, and the
// thread count is a process-wide setting: a test that sets 2 threads and one that sets 1 (a
// training run sets its config's count) would otherwise undo each other half-way.

import Foundation
import Tapestry

private let threadCountLock = NSLock()

/// Runs `body` with `Threads.count` set to `count`, holding the lock that every test which sets
/// the count takes; restores 1 afterwards. Not reentrant: do not nest.
public func withThreadCount<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
    threadCountLock.lock()
    defer {
        Threads.setCount(1)
        threadCountLock.unlock()
    }
    Threads.setCount(count)
    return try body()
}

// Interrupt: Ctrl-C (SIGINT) as a polite request to stop training.
//
// What it is: a C signal handler that only sets an atomic flag. The training loop reads the
// flag after each step (`runTraining(_:print:stopRequested:)`), saves a resumable checkpoint,
// prints where, and throws `TrainingInterrupted`; `train` then exits 130 (128 + SIGINT, what a
// shell reports for Ctrl-C). After the first Ctrl-C the handler restores the default action,
// so a second Ctrl-C ends the program at once (the last complete checkpoint stays usable:
// every file is written atomically).
// What it is not: a signal library. Only the `train` program installs the handler; library
// code, and tests that train in-process, never change how the process reacts to signals.

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Ctrl-C flag of the `train` program.
public enum Interrupt {
    /// Set by the signal handler, read by the training loop. A lock-free atomic store is one of
    /// the few things a signal handler may safely do.
    private static let flag = Atomic<Bool>(false)

    /// Installs the SIGINT handler. Call once, from the program, before training starts.
    public static func installHandler() {
        // Touch the flag first: a `static let` is initialized lazily, and that initialization
        // (a lock) must never run inside the signal handler.
        _ = flag.load(ordering: .relaxed)
        signal(SIGINT) { _ in
            Interrupt.flag.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)                     // a second Ctrl-C stops at once
        }
    }

    /// Whether Ctrl-C was pressed since `installHandler()`.
    public static var isRequested: Bool { flag.load(ordering: .relaxed) }
}

/// Thrown by `runTraining` when it stopped early on request, after saving a resumable
/// checkpoint at `iteration`. Not a failure: `train` prints nothing more and exits 130.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    /// The step the saved checkpoint holds (`--resume` continues from here).
    public let iteration: Int
    /// The model checkpoint (for `sample`).
    public let modelPath: String
    /// The file `--resume` reads.
    public let trainStatePath: String
    /// The process exit status: 128 + SIGINT.
    public var exitCode: Int32 { 130 }

    public var description: String {
        "interrupted at step \(iteration); saved \(modelPath) and \(trainStatePath); "
            + "resume with the same flags plus --resume"
    }
}

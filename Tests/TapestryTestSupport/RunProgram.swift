// RunProgram: run a built executable of this package (train, sample, an example) from a test.
//
// What it is: the way ProgramTests check programs as a user runs them: arguments in; exit
// status, stdout and stderr out. `swift test` builds every executable target next to the test
// bundle, so the binary is found in the products directory (see `builtProgramURL`).
// Both pipes are drained by their own reader threads while the program runs, so a program that
// fills one pipe never blocks (the classic deadlock of reading stdout to EOF first). A test can
// also send a signal (SIGINT to check a graceful stop, SIGKILL to simulate a crash) after a
// delay or once a given text has appeared, or drive a `RunningProgram` by hand.
// What it is not: a shell. Arguments are passed as they are, with no globbing or quoting.

import Foundation

/// A signal to deliver to a running program, and when.
public struct ProgramSignal: Sendable {
    /// When to send the signal.
    public enum Trigger: Sendable {
        /// This many seconds after launch.
        case after(seconds: Double)
        /// As soon as stdout or stderr contains this text. Note that a program's stdout is a
        /// pipe here, so C stdio (and Swift's `print`) buffers it in blocks: the program must
        /// flush after the line (`fflush(stdout)`) or the text arrives only at exit. stderr
        /// (`writeToStandardError`) is unbuffered.
        case whenOutputContains(String)
    }
    public var signal: Int32
    public var trigger: Trigger

    public init(_ signal: Int32, _ trigger: Trigger) {
        self.signal = signal
        self.trigger = trigger
    }

    /// SIGINT (what Ctrl-C sends) at `trigger`.
    public static func interrupt(_ trigger: Trigger) -> ProgramSignal { ProgramSignal(SIGINT, trigger) }
    /// SIGKILL (an abrupt crash: no handler runs) at `trigger`.
    public static func kill(_ trigger: Trigger) -> ProgramSignal { ProgramSignal(SIGKILL, trigger) }
}

/// Runs the built program `name` and waits for it.
///
/// - Returns: the exit status (128 + n when killed by signal n, as a shell reports it; 127 if
///   the program was not found), and everything it wrote to stdout and stderr.
/// - Parameters:
///   - stdin: text fed to its standard input, then closed; nil gives it /dev/null.
///   - environment: variables added to (or replacing) the test's environment.
///   - timeout: seconds before the program is killed with SIGKILL; a note is then appended to
///     stderr so the failing test says why.
///   - signal: an optional signal to send during the run (see `ProgramSignal`).
///
/// ```swift
/// let result = runProgram("moons", arguments: ["--steps", "abc"])
/// #expect(result.exitCode == 2)
/// ```
public func runProgram(_ name: String, arguments: [String] = [], stdin: String? = nil,
                       currentDirectory: URL? = nil, environment: [String: String] = [:],
                       timeout: TimeInterval = 120, signal: ProgramSignal? = nil)
    -> (exitCode: Int32, stdout: String, stderr: String) {
    let program: RunningProgram
    do {
        program = try RunningProgram(name, arguments: arguments, stdin: stdin,
                                     currentDirectory: currentDirectory, environment: environment)
    } catch {
        return (127, "", "runProgram: \(error)\n")
    }
    let start = Date()
    if let signal {
        switch signal.trigger {
        case .after(let seconds):
            if !program.waitForExit(timeout: min(seconds, timeout)) { program.send(signal.signal) }
        case .whenOutputContains(let text):
            if program.waitForOutput(containing: text, timeout: timeout) { program.send(signal.signal) }
        }
    }
    let result = program.wait(timeout: max(0, timeout - Date().timeIntervalSince(start)))
    return (result.exitCode, result.stdout, result.stderr)
}

/// A launched program whose output is collected in the background. Use it directly when a test
/// needs the pid, or to react to output in several steps; otherwise call `runProgram`.
public final class RunningProgram: @unchecked Sendable {
    // @unchecked Sendable: `process` is only started and signalled from the owning test; the
    // collected output is guarded by `condition`.

    /// Everything a finished program left behind.
    public struct Result: Sendable {
        /// The exit status, or 128 + the signal number if a signal ended it.
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
        /// Whether `wait(timeout:)` had to kill it.
        public var timedOut: Bool
    }

    /// The Foundation process (for its `processIdentifier`, `isRunning`, termination reason).
    public let process: Process
    /// The program's process id.
    public var pid: Int32 { process.processIdentifier }

    private let condition = NSCondition()
    private var stdoutData = Data()
    private var stderrData = Data()
    private var openStreams = 2
    private let exited = DispatchSemaphore(value: 0)

    /// Launches the built program `name` (found by `builtProgramURL`).
    public init(_ name: String, arguments: [String] = [], stdin: String? = nil,
                currentDirectory: URL? = nil, environment: [String: String] = [:]) throws {
        guard let executable = builtProgramURL(name) else {
            throw RunProgramError("no built program named \"\(name)\" (looked in \(productsDirectoryCandidates().map(\.path)))")
        }
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outputPipe = Pipe(), errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        let inputPipe = stdin.map { _ in Pipe() }
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try RunningProgram.launch(process)

        startReader(outputPipe.fileHandleForReading, isStandardOutput: true)
        startReader(errorPipe.fileHandleForReading, isStandardOutput: false)
        if let inputPipe, let stdin {
            // Written on its own thread: a program that does not read its input must not block us.
            let writer = inputPipe.fileHandleForWriting
            Thread.detachNewThread {
                try? writer.write(contentsOf: Data(stdin.utf8))
                try? writer.close()
            }
        }
    }

    /// Starts `process` from a fresh thread whose signal mask is empty.
    ///
    /// Why: a spawned program inherits the signal mask of the thread that spawns it, and the
    /// threads that run tests (libdispatch workers) block SIGINT, SIGTERM and most others. A
    /// program started from such a thread never sees the SIGINT a test sends it (measured: its
    /// /proc status showed SigBlk fffffffe3bfbea27). So the spawn happens on a thread of our own
    /// that first unblocks everything.
    private static func launch(_ process: Process) throws {
        final class Box: @unchecked Sendable {          // handed to one thread, read after join
            let process: Process
            var error: (any Error)?
            init(_ process: Process) { self.process = process }
        }
        let box = Box(process)
        let launched = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            do { try box.process.run() } catch { box.error = error }
            launched.signal()
        }
        launched.wait()
        if let error = box.error { throw error }
    }

    private func startReader(_ handle: FileHandle, isStandardOutput: Bool) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData          // blocks until data or EOF (empty)
                condition.lock()
                if chunk.isEmpty {
                    openStreams -= 1
                } else if isStandardOutput {
                    stdoutData.append(chunk)
                } else {
                    stderrData.append(chunk)
                }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { break }
            }
            try? handle.close()
        }
    }

    /// Sends `signal` (e.g. SIGINT, SIGTERM, SIGKILL) if the program is still running.
    public func send(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// stdout and stderr so far.
    public var outputSoFar: (stdout: String, stderr: String) {
        condition.lock()
        defer { condition.unlock() }
        return (String(decoding: stdoutData, as: UTF8.self), String(decoding: stderrData, as: UTF8.self))
    }

    /// Waits until stdout or stderr contains `text`. False on timeout, or if both streams
    /// closed without it.
    public func waitForOutput(containing text: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        let needle = Data(text.utf8)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if stdoutData.range(of: needle) != nil || stderrData.range(of: needle) != nil { return true }
            if openStreams == 0 || !condition.wait(until: deadline) { return false }
        }
    }

    /// Waits up to `timeout` seconds for the process to exit; true if it did.
    public func waitForExit(timeout: TimeInterval) -> Bool {
        if exited.wait(timeout: .now() + timeout) == .success {
            exited.signal()                                 // keep it signalled for later waits
            return true
        }
        return false
    }

    /// Waits for exit (killing the program after `timeout` seconds), then for both pipes to
    /// reach end of file, and returns what it wrote.
    public func wait(timeout: TimeInterval) -> Result {
        var timedOut = false
        if !waitForExit(timeout: timeout) {
            timedOut = true
            send(SIGKILL)
            _ = waitForExit(timeout: 30)
        }
        // A child the program left running may hold the pipes open; do not wait forever for it.
        let deadline = Date().addingTimeInterval(10)
        condition.lock()
        while openStreams > 0 && condition.wait(until: deadline) {}
        var stderrText = String(decoding: stderrData, as: UTF8.self)
        let stdoutText = String(decoding: stdoutData, as: UTF8.self)
        condition.unlock()
        if timedOut { stderrText += "\n[runProgram: killed after the \(timeout) s timeout]\n" }
        let exitCode: Int32
        if process.isRunning {
            exitCode = 128 + SIGKILL                        // would not die: report it as killed
        } else {
            let status = process.terminationStatus
            exitCode = process.terminationReason == .uncaughtSignal ? 128 + status : status
        }
        return Result(exitCode: exitCode, stdout: stdoutText, stderr: stderrText, timedOut: timedOut)
    }
}

/// Why a program could not be started.
public struct RunProgramError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The executable `name` built by SwiftPM for this test run, or nil. A name containing "/"
/// is taken as a path (`/bin/sh`), for tests of the runner itself.
public func builtProgramURL(_ name: String) -> URL? {
    if name.contains("/") {
        return FileManager.default.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil
    }
    for directory in productsDirectoryCandidates() {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// Where the built products may be, best first: `$TAPESTRY_PRODUCTS_DIR`; the directory of the
/// running test executable and up to three parents (macOS nests it in a .xctest bundle); the
/// parent of any loaded .xctest bundle; and `<package>/.build/{debug,release}` found from this
/// source file's path.
public func productsDirectoryCandidates() -> [URL] {
    var result: [URL] = []
    if let override = ProcessInfo.processInfo.environment["TAPESTRY_PRODUCTS_DIR"] {
        result.append(URL(fileURLWithPath: override))
    }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        result.append(directory)
        directory = directory.deletingLastPathComponent()
    }
    for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
        result.append(bundle.bundleURL.deletingLastPathComponent())
    }
    let packageRoot = URL(fileURLWithPath: "\(#filePath)")
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    result.append(packageRoot.appendingPathComponent(".build/debug"))
    result.append(packageRoot.appendingPathComponent(".build/release"))
    return result
}

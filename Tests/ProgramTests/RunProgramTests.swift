// Tests of the runner itself (TapestryTestSupport/RunProgram.swift), using /bin/sh as the
// program: exit status, both pipes, large output, stdin, signals, timeouts.

import Foundation
import Testing
import TapestryTestSupport

@Suite struct RunProgramTests {
    func shell(_ script: String, stdin: String? = nil, timeout: TimeInterval = 30,
               signal: ProgramSignal? = nil) -> (exitCode: Int32, stdout: String, stderr: String) {
        runProgram("/bin/sh", arguments: ["-c", script], stdin: stdin, timeout: timeout, signal: signal)
    }

    @Test func reportsExitStatusAndBothStreamsSeparately() {
        let result = shell("echo out; echo err >&2; exit 3")
        #expect(result.exitCode == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
    }

    @Test func drainsBothPipesWithoutDeadlock() {
        // 1 MB to stdout, then 1 MB to stderr, then 1 MB to stdout again: far beyond the 64 KiB
        // pipe buffers, so a runner that read one pipe to the end first would hang.
        let megabyte = "head -c 1000000 /dev/zero | tr '\\0' "
        let result = shell("\(megabyte)a; \(megabyte)b >&2; \(megabyte)c")
        #expect(result.exitCode == 0)
        #expect(result.stdout.utf8.count == 2_000_000)
        #expect(result.stderr.utf8.count == 1_000_000)
        #expect(result.stdout.hasPrefix("aaaa") && result.stdout.hasSuffix("cccc"))
    }

    @Test func feedsStdinAndOtherwiseGivesDevNull() {
        #expect(shell("tr a-z A-Z", stdin: "hello\n").stdout == "HELLO\n")
        let result = shell("cat; echo done")                   // /dev/null: cat ends at once
        #expect(result.stdout == "done\n")
    }

    @Test func passesDirectoryAndEnvironment() {
        let result = runProgram("/bin/sh", arguments: ["-c", "pwd; echo $TAPESTRY_TEST_VALUE"],
                                currentDirectory: URL(fileURLWithPath: "/"),
                                environment: ["TAPESTRY_TEST_VALUE": "42"])
        #expect(result.stdout == "/\n42\n")
    }

    @Test func sendsSigintWhenATextAppears() {
        let script = "trap 'echo caught; exit 130' INT; echo ready; while true; do sleep 0.02; done"
        let result = shell(script, signal: .interrupt(.whenOutputContains("ready")))
        #expect(result.exitCode == 130)
        #expect(result.stdout == "ready\ncaught\n")
    }

    @Test func sigintReachesAProgramWithTheDefaultHandler() {
        // Regression: test threads block SIGINT, and a child inherits the spawning thread's
        // mask; the runner must spawn with an empty mask or this program never dies.
        let result = shell("exec sleep 30", signal: .interrupt(.after(seconds: 0.2)))
        #expect(result.exitCode == 128 + SIGINT)
        #expect(!result.stderr.contains("timeout"))
    }

    @Test func sigkillAfterADelayIsReportedAs137() {
        let result = shell("echo started; exec sleep 30", signal: .kill(.after(seconds: 0.2)))
        #expect(result.exitCode == 128 + 9)
        #expect(result.stdout == "started\n")
    }

    @Test func timeoutKillsTheProgramAndSaysSo() {
        let result = shell("exec sleep 30", timeout: 0.3)
        #expect(result.exitCode == 128 + 9)
        #expect(result.stderr.contains("timeout"))
    }

    @Test func aMissingProgramIs127WithAMessage() {
        let result = runProgram("no-such-program-in-tapestry")
        #expect(result.exitCode == 127)
        #expect(result.stderr.contains("no-such-program-in-tapestry"))
    }

    @Test func runningProgramExposesThePidAndPartialOutput() {
        guard let program = try? RunningProgram("/bin/sh", arguments: ["-c", "echo $$; exec sleep 30"]) else {
            Issue.record("could not start /bin/sh"); return
        }
        #expect(program.waitForOutput(containing: "\n", timeout: 10))
        #expect(program.outputSoFar.stdout == "\(program.pid)\n")    // exec keeps the pid
        program.send(SIGTERM)
        let result = program.wait(timeout: 10)
        #expect(result.exitCode == 128 + SIGTERM && !result.timedOut)
    }
}

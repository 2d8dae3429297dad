// Grading: the checks behind `swift run grade`.
//
// What it is: one grader per exercise, each a function of the implementation under test
// (`Grader.stableSoftmax(_ implementation:)`), so the same grader runs on the learner's stub in
// Sources/Exercises, on the reference in Sources/ExerciseSolutions and on the wrong answers
// written in Tests/CourseTests/GraderTests.swift. A grader runs its checks in order and stops
// at the first wrong value, which it names: what was computed, where (index), the expected
// value and the value it got, plus a hint about the usual mistake.
// What it is not: a sandbox. An implementation that traps (index out of range) ends the
// `grade` process; the learner sees Swift's own message and line.

import Foundation

/// The outcome of grading one exercise.
public struct GradeResult: Sendable {
    /// "5.1".
    public let exercise: String
    /// "stable softmax".
    public let title: String
    /// True when every check passed.
    public let passed: Bool
    /// Checks that passed before the first failure (all of them on PASS).
    public let checksPassed: Int
    /// The first wrong value, e.g. `softmax([1001, 1002, 1003]) index 0: expected 0.0900306, got nan`.
    public let failure: String?
    /// Advice about the likely mistake behind `failure`.
    public let hint: String?

    /// The report `grade` prints: `PASS 5.1 stable softmax (6 checks)`, or FAIL with the first
    /// wrong value and a hint on the following lines.
    public var report: String {
        if passed { return "PASS \(exercise) \(title) (\(checksPassed) checks)" }
        var lines = ["FAIL \(exercise) \(title)", "  \(failure ?? "")"]
        if let hint { lines.append("  hint: \(hint)") }
        return lines.joined(separator: "\n")
    }

    /// True when the implementation threw `ExerciseError.notImplemented` (the untouched stub).
    public var isNotImplemented: Bool { failure?.contains("not implemented yet") ?? false }
}

/// The first failed check of a grader.
struct CheckFailure: Error {
    let message: String
    let hint: String?
}

/// Runs checks and counts them; each check throws `CheckFailure` at the first wrong value.
public struct Checker {
    var passed = 0

    /// Calls the implementation under test, turning an error it throws into a failure that
    /// names the call: `stableSoftmax([1, 2, 3]) threw: not implemented yet: Exercise 5.1`.
    func call<R>(_ what: String, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let failure as CheckFailure { throw failure } catch {
            throw CheckFailure(message: "\(what) threw: \(error)",
                               hint: "\(error)".contains("not implemented yet")
                                   ? "replace the `throw ExerciseError.notImplemented(...)` line with your code" : nil)
        }
    }

    /// Passes if `condition`; otherwise fails with `message`.
    mutating func require(_ condition: Bool, _ message: @autoclosure () -> String, hint: String? = nil) throws {
        guard condition else { throw CheckFailure(message: message(), hint: hint) }
        passed += 1
    }

    /// Element-wise |expected − got| ≤ tolerance · (1 + |expected|); infinities must match exactly.
    mutating func close(_ what: String, expected: [Float], got: [Float], tolerance: Float = 1e-4,
                        hint: String? = nil) throws {
        guard expected.count == got.count else {
            throw CheckFailure(message: "\(what): expected \(expected.count) values, got \(got.count)", hint: hint)
        }
        for i in expected.indices where !Checker.isClose(expected[i], got[i], tolerance: tolerance) {
            throw CheckFailure(message: "\(what) index \(i): expected \(Checker.format(expected[i])), got \(Checker.format(got[i]))",
                               hint: hint)
        }
        passed += 1
    }

    /// `close` for one number.
    mutating func close(_ what: String, expected: Float, got: Float, tolerance: Float = 1e-4, hint: String? = nil) throws {
        guard Checker.isClose(expected, got, tolerance: tolerance) else {
            throw CheckFailure(message: "\(what): expected \(Checker.format(expected)), got \(Checker.format(got))", hint: hint)
        }
        passed += 1
    }

    /// `close` for a matrix given as rows; names the failing element `[i, j]`.
    mutating func close(_ what: String, expected: [[Float]], got: [[Float]], tolerance: Float = 1e-4,
                        hint: String? = nil) throws {
        guard expected.count == got.count else {
            throw CheckFailure(message: "\(what): expected \(expected.count) rows, got \(got.count)", hint: hint)
        }
        for i in expected.indices {
            guard expected[i].count == got[i].count else {
                throw CheckFailure(message: "\(what) row \(i): expected \(expected[i].count) values, got \(got[i].count)",
                                   hint: hint)
            }
            for j in expected[i].indices where !Checker.isClose(expected[i][j], got[i][j], tolerance: tolerance) {
                throw CheckFailure(message: "\(what) [\(i), \(j)]: expected \(Checker.format(expected[i][j])), got \(Checker.format(got[i][j]))",
                                   hint: hint)
            }
        }
        passed += 1
    }

    /// Exact equality of two lists, naming the first differing index.
    mutating func equal<T: Equatable>(_ what: String, expected: [T], got: [T], hint: String? = nil) throws {
        for i in 0..<min(expected.count, got.count) where expected[i] != got[i] {
            throw CheckFailure(message: "\(what) index \(i): expected \(expected[i]), got \(got[i]) (whole result \(got))",
                               hint: hint)
        }
        guard expected.count == got.count else {
            throw CheckFailure(message: "\(what): expected \(expected.count) values \(expected), got \(got.count) values \(got)",
                               hint: hint)
        }
        passed += 1
    }

    static func isClose(_ expected: Float, _ got: Float, tolerance: Float) -> Bool {
        if expected == got { return true }                              // also ±∞ == ±∞
        if expected.isNaN || got.isNaN || expected.isInfinite || got.isInfinite { return false }
        return abs(expected - got) <= tolerance * (1 + abs(expected))
    }

    /// Six significant digits: 0.0900306, -1.22474, nan, -inf.
    static func format(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.6g", Double(x))
    }

    /// `[1, 2.5, -inf]` for a hint, at most `limit` values.
    static func format(_ xs: [Float], limit: Int = 8) -> String {
        let shown = xs.prefix(limit).map { format($0) }
        return "[" + shown.joined(separator: ", ") + (xs.count > limit ? ", ..." : "") + "]"
    }
}

extension Grader {
    /// Runs `checks` and turns the first `CheckFailure` (or anything thrown) into a result.
    static func grade(_ exercise: String, _ title: String, _ checks: (inout Checker) throws -> Void) -> GradeResult {
        var checker = Checker()
        do {
            try checks(&checker)
            return GradeResult(exercise: exercise, title: title, passed: true, checksPassed: checker.passed,
                               failure: nil, hint: nil)
        } catch let failure as CheckFailure {
            return GradeResult(exercise: exercise, title: title, passed: false, checksPassed: checker.passed,
                               failure: failure.message, hint: failure.hint)
        } catch {
            return GradeResult(exercise: exercise, title: title, passed: false, checksPassed: checker.passed,
                               failure: "threw: \(error)", hint: nil)
        }
    }
}

/// The graders, one per exercise. Each takes the implementation to check.
public enum Grader {}

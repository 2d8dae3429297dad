// ShapeError: how Tapestry reports a shape mismatch.
//
// A shape error is a programming error (the model code asked for something impossible), so
// it stops the program, but always with one readable line that names the op, the shapes and
// the caller's file and line, never a bare index-out-of-range deep inside a kernel loop.
// The checks themselves are plain throwing functions, so tests can read the message.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shape mismatch, with a message such as
/// `matmul: inner dimensions differ: [2, 3] x [4, 5] (at Model.swift:42)`.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    /// One line: op, shapes, call site.
    public let message: String
    public var description: String { message }

    public init(_ message: String) { self.message = message }

    /// Builds a message that names the op, what was expected and the call site.
    public init(op: String, _ detail: String, file: StaticString, line: UInt) {
        let name = "\(file)".split(separator: "/").last.map(String.init) ?? "\(file)"
        self.message = "\(op): \(detail) (at \(name):\(line))"
    }

    /// Writes `message` as one line to stderr and exits with status 70 (EX_SOFTWARE).
    /// No stack trace: the message already says where.
    public static func fail(_ message: String) -> Never {
        let line = "error: shape: \(message)\n"
        writeToStandardError(line)
        exit(70)
    }
}

/// Runs a shape check; on failure, prints its one-line message and exits.
@inlinable
public func checkShapes<R>(_ body: () throws(ShapeError) -> R) -> R {
    do {
        return try body()
    } catch {
        ShapeError.fail(error.message)
    }
}

/// Shape rules shared by the ops. Each throws a `ShapeError` naming the op and the call site.
public enum Shapes {
    /// The NumPy broadcast of two shapes: align from the right; each pair of dimensions must
    /// be equal or one of them 1. `[4, 1, 3]` with `[2, 1]` gives `[4, 2, 3]`.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String,
                                 file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw ShapeError(op: op, "shapes \(a) and \(b) do not broadcast (dimension \(i): \(da) vs \(db))",
                                 file: file, line: line)
            }
            result[i] = max(da, db) == 1 ? min(da, db) : max(da, db)
        }
        return result
    }

    /// Requires `shape == expected`.
    public static func require(_ shape: [Int], equals expected: [Int], _ what: String, op: String,
                               file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) {
        guard shape == expected else {
            throw ShapeError(op: op, "expected \(what) \(expected), got \(shape)", file: file, line: line)
        }
    }

    /// Requires `shape == [length]`: a vector such as a bias. (The same check as
    /// `require(shape, equals: [length], ...)` without building an array on every call.)
    public static func require(_ shape: [Int], vectorOf length: Int, _ what: String, op: String,
                               file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) {
        guard shape.count == 1 && shape[0] == length else {
            throw ShapeError(op: op, "expected \(what) [\(length)], got \(shape)", file: file, line: line)
        }
    }

    /// Requires `shape.count == rank`.
    public static func require(_ shape: [Int], rank: Int, _ what: String, op: String,
                               file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) {
        guard shape.count == rank else {
            throw ShapeError(op: op, "expected \(what) of rank \(rank), got shape \(shape)", file: file, line: line)
        }
    }

    /// Resolves a possibly negative axis (`-1` is the last) against a rank.
    public static func axis(_ axis: Int, rank: Int, op: String,
                            file: StaticString = #fileID, line: UInt = #line) throws(ShapeError) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0 && resolved < rank else {
            throw ShapeError(op: op, "axis \(axis) out of range for rank \(rank)", file: file, line: line)
        }
        return resolved
    }
}

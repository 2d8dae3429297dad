// Tests of the shape checks' messages: one line, naming the op, the shapes involved and the
// caller's file and line. (The ops call these same throwing functions inside `checkShapes`,
// which prints the message and exits; a test cannot survive that, so it calls them directly.)

import Testing
@testable import Tapestry

@Suite struct ShapeErrorTests {
    /// The message of the error `body` throws ("" if it does not throw).
    private func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch let error as ShapeError { return error.message } catch { return "\(error)" }
    }

    private func expectOneLine(_ text: String, mentions parts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.isEmpty, "no error was thrown", sourceLocation: sourceLocation)
        #expect(!text.contains("\n"), "message is not one line: \(text)", sourceLocation: sourceLocation)
        for part in parts + ["ShapeErrorTests.swift"] {
            #expect(text.contains(part), "\"\(text)\" does not mention \(part)", sourceLocation: sourceLocation)
        }
    }

    @Test func broadcastNamesOpShapesAndCaller() {
        let line = #line + 1
        let text = message { _ = try Shapes.broadcast([2, 3], [4], op: "add") }
        #expect(text == "add: shapes [2, 3] and [4] do not broadcast (dimension 1: 3 vs 4) (at ShapeErrorTests.swift:\(line))")
        expectOneLine(message { _ = try Shapes.broadcast([4, 1, 3], [2, 2], op: "multiply") }, mentions: ["multiply", "[4, 1, 3]", "[2, 2]"])
        #expect(message { _ = try Shapes.broadcast([4, 1, 3], [2, 1], op: "multiply") } == "")
    }

    @Test func matmulNamesBothShapesAndCaller() {
        expectOneLine(message { _ = try Shapes.matmul([2, 3], [4, 5]) }, mentions: ["matmul", "inner dimensions", "[2, 3]", "[4, 5]"])
        expectOneLine(message { _ = try Shapes.matmul([2, 3, 4], [3, 4, 5]) }, mentions: ["matmul", "batch", "[2, 3, 4]", "[3, 4, 5]"])
        expectOneLine(message { _ = try Shapes.matmul([4], [4, 5]) }, mentions: ["matmul", "[4]", "[4, 5]"])
        #expect((try? Shapes.matmul([7, 2, 3], [3, 5])) == [7, 2, 5])
        #expect((try? Shapes.matmul([7, 2, 3], [7, 3, 5])) == [7, 2, 5])
    }

    @Test func shapeOpsNameTheirShapes() {
        expectOneLine(message { _ = try Shapes.reshape([2, 3], to: [4, -1]) }, mentions: ["reshaped", "[2, 3]", "[4, -1]"])
        expectOneLine(message { _ = try Shapes.reshape([2, 3], to: [-1, -1]) }, mentions: ["reshaped", "[-1, -1]"])
        #expect((try? Shapes.reshape([2, 3, 4], to: [-1, 4])) == [6, 4])
        expectOneLine(message { _ = try Shapes.permute([2, 3, 4], axes: [0, 0, 1]) }, mentions: ["permuted", "[0, 0, 1]", "[2, 3, 4]"])
        expectOneLine(message { _ = try Shapes.slice([2, 3], axis: 1, 2..<4) }, mentions: ["sliced", "2..<4", "[2, 3]"])
        expectOneLine(message { _ = try Shapes.concatenate([[2, 3], [2, 4]], axis: 0) }, mentions: ["concatenate", "[2, 3]", "[2, 4]"])
        #expect((try? Shapes.concatenate([[2, 3], [2, 4]], axis: -1)) == [2, 7])
    }

    @Test func vectorChecksNameTheExpectedLength() {
        // A bias or LayerNorm weight: [length] and nothing else, rank included.
        expectOneLine(message { try Shapes.require([3], vectorOf: 4, "bias", op: "linear") }, mentions: ["linear", "bias [4]", "[3]"])
        expectOneLine(message { try Shapes.require([4, 1], vectorOf: 4, "weight", op: "layerNorm") }, mentions: ["layerNorm", "[4, 1]"])
        expectOneLine(message { try Shapes.require([], vectorOf: 1, "bias", op: "linear") }, mentions: ["bias [1]", "[]"])
        #expect(message { try Shapes.require([4], vectorOf: 4, "bias", op: "linear") } == "")
    }

    @Test func reductionsRejectAMissingAxis() {
        expectOneLine(message { _ = try Shapes.reduce([2, 3], axis: 2, keepingDimension: false, op: "sum") }, mentions: ["sum", "axis 2"])
        #expect((try? Shapes.reduce([2, 3], axis: -2, keepingDimension: true, op: "sum")) == [1, 3])
    }
}

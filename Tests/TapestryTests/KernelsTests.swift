// The shared SIMD16 loops against their plain scalar definitions: bit-identical where the
// order of operations is the same (row kernels, axpy, add, scale), and against Double sums for
// the reductions, for sizes that hit the 64-wide, 16-wide and scalar-tail paths; and the
// 16x16 block transpose against its definition.

import Testing
@testable import Tapestry

func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var generator = RandomGenerator(seed: seed)
    return (0..<count).map { _ in generator.normal() }
}

@Suite struct KernelsTests {
    static let widths = [1, 15, 16, 17, 63, 64, 65, 77, 130, 384]

    @Test func addRowVectorMatchesTheScalarLoop() {
        for columns in Self.widths {
            let rows = 5
            let v = randomFloats(columns, seed: 1)
            var y = randomFloats(rows * columns, seed: 2)
            var expected = y
            for r in 0..<rows { for c in 0..<columns { expected[r * columns + c] += v[c] } }
            Kernels.addRowVector(v, to: &y, rows: rows, columns: columns)
            #expect(y == expected, "columns \(columns)")
        }
    }

    @Test func addColumnSumsIsBitIdenticalToRowOrderSums() {
        for columns in Self.widths {
            let rows = 37
            let x = randomFloats(rows * columns, seed: 3)
            var out = randomFloats(columns, seed: 4)
            var expected = out
            for r in 0..<rows { for c in 0..<columns { expected[c] += x[r * columns + c] } }
            Kernels.addColumnSums(of: x, rows: rows, columns: columns, into: &out)
            #expect(out == expected, "columns \(columns)")
        }
    }

    @Test func elementwiseKernelsMatchTheScalarLoops() {
        for count in Self.widths {
            let x = randomFloats(count, seed: 5)
            let y0 = randomFloats(count, seed: 6)
            var y = y0
            Kernels.axpy(0.37, x, &y, count: count)
            #expect(y == zip(x, y0).map { $1.addingProduct(0.37, $0) }, "axpy \(count)")
            y = y0
            Kernels.add(x, into: &y, count: count)
            #expect(y == zip(x, y0).map { $1 + $0 }, "add \(count)")
            y = y0
            Kernels.scale(&y, by: -1.5, count: count)
            #expect(y == y0.map { $0 * -1.5 }, "scale \(count)")
            Kernels.fill(&y, with: 2, count: count)
            #expect(y.allSatisfy { $0 == 2 }, "fill \(count)")
        }
    }

    @Test func reductionsMatchDoubleReferences() {
        #expect(Kernels.sum([1, 2, 3], count: 3) == 6)
        #expect(Kernels.sum([], count: 0) == 0)
        #expect(Kernels.max([], count: 0) == -.infinity)
        for count in Self.widths + [1000] {
            let x = randomFloats(count, seed: 7)
            let y = randomFloats(count, seed: 8)
            let sum = x.reduce(0.0) { $0 + Double($1) }
            let magnitude = x.reduce(0.0) { $0 + Double(abs($1)) }
            #expect(abs(Double(Kernels.sum(x, count: count)) - sum) <= 1e-6 * magnitude, "sum \(count)")
            let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let dotScale = zip(x, y).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            #expect(abs(Double(Kernels.dot(x, y, count: count)) - dot) <= 1e-6 * dotScale, "dot \(count)")
            #expect(Kernels.max(x, count: count) == x.max()!, "max \(count)")
        }
    }

    @Test func maxSkipsNaNAndFindsTheLargestLaneAnywhere() {
        #expect(Kernels.max([1, .nan, 3, -2], count: 4) == 3)
        for position in 0..<16 {
            var lanes = SIMD16<Float>(repeating: -5)
            lanes[position] = 7
            #expect(Kernels.horizontalMax(lanes) == 7, "max in lane \(position)")
        }
        var lanes = SIMD16<Float>()
        for lane in 0..<16 { lanes[lane] = Float(lane) }
        #expect(Kernels.horizontalSum(lanes) == 120)
    }

    @Test(arguments: [16, 9, 1])
    func blockTransposeSwapsRowsAndColumnsAndZeroesMissingRows(rows: Int) {
        // Source rows 20 floats apart, target rows 24 apart: element (r, c) of the source is r·100 + c.
        let source: [Float] = (0..<16 * 20).map { index in
            let (r, c) = index.quotientAndRemainder(dividingBy: 20)
            return Float(r * 100 + c)
        }
        var target = [Float](repeating: -1, count: 16 * 24)
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                Kernels.transposeBlock16(s.baseAddress!, rowStride: 20, rows: rows, into: t.baseAddress!, rowStride: 24)
            }
        }
        for r in 0..<16 {
            for c in 0..<24 {
                // Target (r, c) is source (c, r); columns 16... of the target are left alone.
                let expected: Float = c >= 16 ? -1 : c < rows ? Float(c * 100 + r) : 0
                #expect(target[r * 24 + c] == expected, "target (\(r), \(c)) with \(rows) source rows")
            }
        }
    }
}

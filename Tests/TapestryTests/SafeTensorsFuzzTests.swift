// SafeTensors reader under random damage: thousands of mutated copies of valid files (bit
// flips, a changed header-length byte, truncation, inserted bytes, digits changed inside
// the header). Each must either throw a SafeTensorsError or parse into tensors whose byte
// counts match their shapes and exactly fill the data section. A crash fails the run.
// A second test replays damaged files on which Python's safetensors gave its verdict
// (Fixtures/safetensors_verdicts.bin) and requires the same verdict.

import Foundation
import Testing
@testable import Tapestry

private func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return [UInt8](try Data(contentsOf: url))
}

/// One random kind of damage to a copy of `original`.
private func mutate(_ original: [UInt8], using generator: inout RandomGenerator) -> [UInt8] {
    var bytes = original
    let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8   // the fixtures' headers are < 64 KiB
    func anyIndex() -> Int { generator.nextInt(below: bytes.count) }
    func headerIndex() -> Int { 8 + generator.nextInt(below: max(headerEnd - 8, 1)) }
    switch generator.nextInt(below: 7) {
    case 0:  // flip 1-4 bits anywhere
        for _ in 0...generator.nextInt(below: 4) { bytes[anyIndex()] ^= 1 << UInt8(generator.nextInt(below: 8)) }
    case 1:  // flip a bit in the header text, where most of the parsing happens
        bytes[headerIndex()] ^= 1 << UInt8(generator.nextInt(below: 8))
    case 2:  // change one byte of the header-length field
        bytes[generator.nextInt(below: 8)] = UInt8(generator.nextInt(below: 256))
    case 3:  // truncate at a random point
        bytes.removeLast(1 + generator.nextInt(below: bytes.count))
    case 4:  // insert 1-8 random bytes anywhere
        let position = generator.nextInt(below: bytes.count + 1)
        bytes.insert(contentsOf: (0...generator.nextInt(below: 8)).map { _ in UInt8(generator.nextInt(below: 256)) }, at: position)
    case 5:  // replace a header byte with a JSON-significant character
        let significant = Array("{}[]\",:0123456789-.e \\".utf8)
        bytes[headerIndex()] = significant[generator.nextInt(below: significant.count)]
    default:  // change one digit of a number in the header (offsets and shapes)
        let digits = (8..<headerEnd).filter { bytes[$0] >= UInt8(ascii: "0") && bytes[$0] <= UInt8(ascii: "9") }
        if let index = digits.randomElement(using: &generator) {
            bytes[index] = UInt8(ascii: "0") + UInt8(generator.nextInt(below: 10))
        }
    }
    return bytes
}

@Suite struct SafeTensorsFuzzTests {
    @Test func mutatedFilesThrowOrParseConsistently() throws {
        let originals = try ["safetensors_f32.safetensors", "safetensors_int8.safetensors", "safetensors_dtypes.safetensors"].map(fixture)
        var generator = RandomGenerator(seed: 20_240_611)
        var (rejected, accepted) = (0, 0)
        var reasons = Set<String>()
        for iteration in 0..<12_000 {
            let bytes = mutate(originals[iteration % originals.count], using: &generator)
            do {
                let parsed = try SafeTensorsFile.parse(bytes: bytes, source: "fuzz")
                accepted += 1
                // Invariants of anything the reader accepts.
                var total = 0
                for (name, tensor) in parsed.tensors {
                    #expect(tensor.bytes.count == tensor.shape.reduce(1, *) * tensor.dtype.byteSize, "\(name)")
                    total += tensor.bytes.count
                }
                let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
                #expect(total == bytes.count - 8 - headerLength, "iteration \(iteration)")
            } catch {
                // `parse` is declared `throws(SafeTensorsError)`: no other error can get here.
                #expect(!error.description.isEmpty)
                rejected += 1
                reasons.insert("\(error.reason)")
            }
        }
        // Both outcomes must actually occur, or the mutations are not testing anything.
        #expect(rejected > 5000, "rejected \(rejected)")
        #expect(accepted > 500, "accepted \(accepted)")
        // And the damage reaches most of the reader's checks, not just the first one.
        #expect(reasons.count >= 8, "\(reasons.sorted())")
    }

    @Test func acceptsAndRejectsTheSameDamagedFilesAsPython() throws {
        let corpus = try fixture("safetensors_verdicts.bin")
        var (position, cases, pythonAccepted) = (0, 0, 0)
        while position < corpus.count {
            // [UInt32 length][UInt8 verdict][length bytes]
            let length = corpus[position..<(position + 4)].reversed().reduce(0) { $0 << 8 | Int($1) }
            let pythonAccepts = corpus[position + 4] == 1
            let bytes = Array(corpus[(position + 5)..<(position + 5 + length)])
            position += 5 + length
            cases += 1
            pythonAccepted += pythonAccepts ? 1 : 0
            do {
                _ = try SafeTensorsFile.parse(bytes: bytes, source: "case \(cases)")
                #expect(pythonAccepts, "case \(cases): Python rejects this file, Tapestry accepts it")
            } catch {
                // The one deliberate difference: Tapestry also rejects repeated keys.
                #expect(!pythonAccepts || error.reason == .duplicateKey, "case \(cases): Python accepts, Tapestry says \(error)")
            }
        }
        #expect(cases == 400 && pythonAccepted > 20)
    }
}

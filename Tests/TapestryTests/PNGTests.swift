// PNG: the checksums against their published check values, the encoder byte for byte against
// a file written by Python's zlib (make_png_fixture.py), the reader on Python's filtered rows,
// round trips across the 65,535-byte stored-block limit, and the reader's refusals.

import Foundation
import Testing
@testable import Tapestry

@Suite struct PNGTests {
    struct FixtureImage: Decodable { let width: Int; let height: Int; let pixels: [UInt8] }

    func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return Array(try Data(contentsOf: url))
    }

    func fixturePixels() throws -> [String: FixtureImage] {
        try JSONDecoder().decode([String: FixtureImage].self, from: Data(try fixture("png_pixels.json")))
    }

    @Test func checksumsMatchTheirPublishedCheckValues() {
        #expect(PNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)       // the CRC-32 "check" value
        #expect(PNG.crc32([UInt8]()) == 0)
        #expect(PNG.crc32(Array("IEND".utf8)) == 0xAE42_6082)           // the CRC at the end of every PNG
        #expect(PNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)    // RFC 1950's worked example
        #expect(PNG.adler32([UInt8]()) == 1)
        // Past zlib's 5552-byte reduction interval: a = 1 + 255·n, b = Σ a over the bytes.
        let n = 20_000
        let a = (1 + 255 * n) % 65_521
        let b = (n + 255 * n * (n + 1) / 2) % 65_521
        #expect(PNG.adler32([UInt8](repeating: 255, count: n)) == UInt32(b << 16 | a))
    }

    @Test func encoderMatchesPythonZlibByteForByte() throws {
        let image = try #require(try fixturePixels()["plain"])
        let encoded = PNG.encode(RGBImage(width: image.width, height: image.height, pixels: image.pixels))
        #expect(encoded == (try fixture("png_plain.png")))
    }

    @Test func readerUndoesAllFiveFilters() throws {
        let image = try #require(try fixturePixels()["filters"])
        let decoded = try PNG.decode(try fixture("png_filters.png"))
        #expect(decoded == RGBImage(width: image.width, height: image.height, pixels: image.pixels))
    }

    @Test(arguments: [(1, 1), (3, 2), (200, 120)])   // 200 x 120 needs two stored blocks (72,120 bytes)
    func roundTrip(width: Int, height: Int) throws {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width { image[x, y] = (UInt8(x % 256), UInt8(y % 256), UInt8((x * y) % 256)) }
        }
        let encoded = PNG.encode(image)
        #expect(try PNG.decode(encoded) == image)
        let raw = height * (1 + 3 * width)
        let blocks = max(1, (raw + 65_534) / 65_535)
        // signature + IHDR + IDAT(2 + 5 per block + raw + 4) + IEND
        #expect(encoded.count == 8 + 25 + 12 + 2 + 5 * blocks + raw + 4 + 12)
    }

    @Test func zlibStoredSplitsAtTheBlockLimit() throws {
        let bytes = (0..<(65_535 + 10)).map { UInt8($0 % 251) }
        let stream = PNG.zlibStored(bytes)
        #expect(stream[2] == 0)                           // first block not final
        #expect(stream[2 + 5 + 65_535] == 1)              // second block final
        #expect(try PNG.inflateStored(stream) == bytes)
        #expect(try PNG.inflateStored(PNG.zlibStored([])) == [])
    }

    @Test func fillRectangleClipsToTheImage() {
        var image = RGBImage(width: 4, height: 3, fill: (0, 0, 0))
        image.fillRectangle(x: 2, y: 1, width: 5, height: 5, color: (9, 8, 7))
        #expect(image[1, 1] == (0, 0, 0))
        #expect(image[2, 1] == (9, 8, 7) && image[3, 2] == (9, 8, 7))
        #expect(image[3, 0] == (0, 0, 0))
    }

    @Test func readerRejectsDamage() {
        let good = PNG.encode(RGBImage(width: 2, height: 2, fill: (10, 20, 30)))
        func message(_ bytes: [UInt8]) -> String? {
            do { _ = try PNG.decode(bytes); return nil } catch { return error.message }
        }
        #expect(message(Array(good.dropFirst())) == "not a PNG file (bad signature)")
        var pixelFlipped = good
        pixelFlipped[8 + 25 + 8 + 2 + 5 + 1] ^= 1           // first pixel byte inside IDAT
        #expect(message(pixelFlipped)?.hasPrefix("chunk IDAT: CRC-32 is") == true)
        #expect(message(Array(good.dropLast(12)))?.hasPrefix("file ends inside a chunk header") == true)
        // A Huffman-coded block (BTYPE 01) is refused by name, not misread.
        var stream = PNG.zlibStored([0, 1, 2, 3, 4, 5, 6])
        stream[2] = 0b011
        #expect(throws: PNGError("DEFLATE block type 1 is compressed; this reader only reads stored blocks")) {
            try PNG.inflateStored(stream)
        }
        var badAdler = PNG.zlibStored([1, 2, 3])
        badAdler[badAdler.count - 1] ^= 0xFF
        #expect((try? PNG.inflateStored(badAdler)) == nil)
    }
}

// PNG+Reading: read back the PNG files that `PNG.encode` writes, checking every checksum.
//
// What it is: a strict reader for 8-bit RGB, non-interlaced PNGs whose zlib stream uses stored
// (uncompressed) DEFLATE blocks, with any of the five row filters (none, sub, up, average,
// Paeth). It verifies the signature, each chunk's CRC-32, the zlib header, each block's
// LEN/NLEN, the Adler-32 and the data size, so tests can trust a picture end to end.
// What it is not: a general PNG decoder. A file compressed with Huffman-coded DEFLATE blocks
// (what most image tools write) is rejected with a message that says so.

/// Why a PNG could not be read: one line, e.g. `chunk IDAT: CRC-32 is 0x1234abcd, expected 0x5678ef01`.
public struct PNGError: Error, CustomStringConvertible, Equatable {
    /// What was expected and what was found.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "PNG: \(message)" }
}

extension PNG {
    /// The image in `bytes`, a PNG file with stored DEFLATE blocks (as `encode` writes).
    public static func decode(_ bytes: [UInt8]) throws(PNGError) -> RGBImage {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw PNGError("not a PNG file (bad signature)") }
        var position = 8
        var header: [UInt8]? = nil
        var compressed: [UInt8] = []
        var sawEnd = false
        while !sawEnd {
            guard position + 12 <= bytes.count else { throw PNGError("file ends inside a chunk header at byte \(position)") }
            let length = Int(readBigEndian(bytes, at: position))
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            guard length <= bytes.count - position - 12 else { throw PNGError("chunk \(type) of \(length) bytes runs past the end of the file") }
            let data = Array(bytes[(position + 8)..<(position + 8 + length)])
            let stored = readBigEndian(bytes, at: position + 8 + length)
            let computed = crc32(bytes[(position + 4)..<(position + 8 + length)])
            guard stored == computed else {
                throw PNGError("chunk \(type): CRC-32 is \(hex(stored)), expected \(hex(computed))")
            }
            position += 12 + length
            switch type {
            case "IHDR":
                guard header == nil, length == 13 else { throw PNGError("IHDR must come once, with 13 bytes") }
                header = data
            case "IDAT":
                guard header != nil else { throw PNGError("IDAT before IHDR") }
                compressed += data
            case "IEND":
                sawEnd = true
            default:
                // Lowercase first letter = ancillary chunk, safe to skip; uppercase = critical.
                guard let first = type.utf8.first, first >= UInt8(ascii: "a") else {
                    throw PNGError("unknown critical chunk \(type)")
                }
            }
        }
        guard let header else { throw PNGError("no IHDR chunk") }
        let width = Int(readBigEndian(header, at: 0)), height = Int(readBigEndian(header, at: 4))
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else {
            throw PNGError("image size \(width) x \(height) is outside 1...65536")
        }
        guard Array(header[8...]) == [8, 2, 0, 0, 0] else {
            throw PNGError("only 8-bit RGB, non-interlaced images are read; IHDR has bit depth \(header[8]), "
                           + "color type \(header[9]), interlace \(header[12])")
        }
        let raw = try inflateStored(compressed)
        let rowBytes = width * 3
        guard raw.count == height * (1 + rowBytes) else {
            throw PNGError("image data holds \(raw.count) bytes, expected \(height) rows x (1 + \(rowBytes)) = \(height * (1 + rowBytes))")
        }
        return RGBImage(width: width, height: height, pixels: try unfilter(raw, height: height, rowBytes: rowBytes))
    }

    /// The bytes inside a zlib stream made of stored DEFLATE blocks, with its Adler-32 checked.
    public static func inflateStored(_ stream: [UInt8]) throws(PNGError) -> [UInt8] {
        guard stream.count >= 6 else { throw PNGError("zlib stream of \(stream.count) bytes is too short") }
        let cmf = stream[0], flags = stream[1]
        guard cmf & 0x0F == 8, (UInt16(cmf) << 8 | UInt16(flags)) % 31 == 0, flags & 0x20 == 0 else {
            throw PNGError("bad zlib header \(hex(UInt32(cmf) << 8 | UInt32(flags)))")
        }
        var out: [UInt8] = []
        var position = 2
        var isFinal = false
        while !isFinal {
            guard position + 5 <= stream.count else { throw PNGError("zlib stream ends inside a block header") }
            let blockHeader = stream[position]
            isFinal = blockHeader & 1 == 1
            guard (blockHeader >> 1) & 3 == 0 else {
                throw PNGError("DEFLATE block type \((blockHeader >> 1) & 3) is compressed; this reader only reads stored blocks")
            }
            let length = Int(stream[position + 1]) | Int(stream[position + 2]) << 8
            let check = Int(stream[position + 3]) | Int(stream[position + 4]) << 8
            guard length ^ check == 0xFFFF else { throw PNGError("stored block LEN \(length) does not match NLEN \(check)") }
            position += 5
            guard position + length <= stream.count else { throw PNGError("stored block of \(length) bytes runs past the stream") }
            out += stream[position..<(position + length)]
            position += length
        }
        guard position + 4 == stream.count else { throw PNGError("zlib stream has \(stream.count - position) bytes after its last block, expected 4 (Adler-32)") }
        let stored = readBigEndian(stream, at: position), computed = adler32(out)
        guard stored == computed else { throw PNGError("Adler-32 is \(hex(stored)), expected \(hex(computed))") }
        return out
    }

    /// Undoes the per-row filters. Each filter predicts a byte from its left neighbour a (same
    /// channel, 3 bytes back), the byte above b and the one above-left c; the file stores
    /// byte − prediction (mod 256). 0 none, 1 sub: a, 2 up: b, 3 average: ⌊(a + b)/2⌋, 4 Paeth:
    /// whichever of a, b, c is closest to a + b − c.
    static func unfilter(_ raw: [UInt8], height: Int, rowBytes: Int) throws(PNGError) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: height * rowBytes)
        for y in 0..<height {
            let filter = raw[y * (1 + rowBytes)]
            let source = y * (1 + rowBytes) + 1, row = y * rowBytes
            for i in 0..<rowBytes {
                let a = i >= 3 ? Int(pixels[row + i - 3]) : 0
                let b = y > 0 ? Int(pixels[row - rowBytes + i]) : 0
                let c = i >= 3 && y > 0 ? Int(pixels[row - rowBytes + i - 3]) : 0
                let prediction: Int
                switch filter {
                case 0: prediction = 0
                case 1: prediction = a
                case 2: prediction = b
                case 3: prediction = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    prediction = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw PNGError("row \(y) has unknown filter type \(filter)")
                }
                pixels[row + i] = UInt8(truncatingIfNeeded: Int(raw[source + i]) + prediction)
            }
        }
        return pixels
    }

    static func readBigEndian(_ bytes: [UInt8], at i: Int) -> UInt32 {
        UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}

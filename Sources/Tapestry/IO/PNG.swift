// PNG: an 8-bit RGB image, written as a PNG file by hand.
//
// What it is: the smallest honest PNG writer. A PNG file is an 8-byte signature and a list of
// chunks; each chunk is [length: 4 bytes big-endian][type: 4 ASCII letters][data][CRC-32 of
// type + data]. Three chunks suffice:
//   IHDR  width, height, bit depth 8, color type 2 (RGB), compression 0, filter 0, interlace 0
//   IDAT  the pixels as a zlib stream: each row is a filter byte (0, "none") then R G B R G B ...
//   IEND  empty: the end
// The zlib stream is a 2-byte header (0x78 0x01), DEFLATE data, and the Adler-32 checksum of
// the uncompressed bytes (big-endian). DEFLATE allows "stored" blocks that hold bytes as they
// are: [1 byte: BFINAL bit, BTYPE = 00][LEN: 2 bytes little-endian][NLEN = ~LEN][LEN bytes].
// So no compression code is needed at all, only the two checksums.
// What it is not: a compressor (files are about 3 bytes per pixel), or a general image library
// (no alpha, no palette, no 16-bit). `PNG.decode` (PNG+Reading.swift) reads these files back.

/// An 8-bit RGB image: `pixels` holds `width · height · 3` bytes, row by row, R G B per pixel.
public struct RGBImage: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Row-major R, G, B bytes; pixel (x, y) starts at `(y · width + x) · 3`.
    public var pixels: [UInt8]

    /// An image of the given size filled with one color.
    public init(width: Int, height: Int, fill: (red: UInt8, green: UInt8, blue: UInt8) = (255, 255, 255)) {
        precondition(width > 0 && height > 0, "RGBImage: size must be positive, got \(width) x \(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            (pixels[3 * p], pixels[3 * p + 1], pixels[3 * p + 2]) = (fill.red, fill.green, fill.blue)
        }
    }

    /// An image from its row-major R, G, B bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage: size must be positive, got \(width) x \(height)")
        precondition(pixels.count == width * height * 3,
                     "RGBImage: \(width) x \(height) x 3 = \(width * height * 3) bytes expected, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The color of pixel (x, y); (0, 0) is the top-left corner.
    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            (pixels[i], pixels[i + 1], pixels[i + 2]) = (newValue.red, newValue.green, newValue.blue)
        }
    }

    /// Paints the rectangle of `width` x `height` pixels whose top-left corner is (x, y),
    /// clipped to the image.
    public mutating func fillRectangle(x: Int, y: Int, width: Int, height: Int,
                                       color: (red: UInt8, green: UInt8, blue: UInt8)) {
        for row in max(0, y)..<min(self.height, y + height) {
            for column in max(0, x)..<min(self.width, x + width) { self[column, row] = color }
        }
    }
}

/// PNG encoding (and, in PNG+Reading.swift, decoding) with stored DEFLATE blocks.
///
/// ```swift
/// var image = RGBImage(width: 2, height: 1)
/// image[1, 0] = (8, 48, 107)
/// try AtomicFile.write(PNG.encode(image), to: "out/two-pixels.png")
/// ```
public enum PNG {
    /// The 8 bytes every PNG file starts with: \x89 P N G \r \n \x1a \n.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Most bytes one stored DEFLATE block can hold (LEN is 16 bits).
    static let maximumStoredBlock = 65_535

    /// The complete PNG file for `image`.
    public static func encode(_ image: RGBImage) -> [UInt8] {
        var header: [UInt8] = []
        appendBigEndian(UInt32(image.width), to: &header)
        appendBigEndian(UInt32(image.height), to: &header)
        header += [8, 2, 0, 0, 0]             // bit depth 8, RGB, deflate, filter method 0, no interlace

        // The filtered image: every row starts with filter type 0 (bytes stored as they are).
        let rowBytes = image.width * 3
        var raw: [UInt8] = []
        raw.reserveCapacity(image.height * (1 + rowBytes))
        for y in 0..<image.height {
            raw.append(0)
            raw += image.pixels[(y * rowBytes)..<((y + 1) * rowBytes)]
        }

        var file = signature
        appendChunk("IHDR", header, to: &file)
        appendChunk("IDAT", zlibStored(raw), to: &file)
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// A zlib stream holding `bytes` in stored (uncompressed) DEFLATE blocks:
    /// header 0x78 0x01 (deflate, 32 KiB window, no dictionary; 0x7801 is a multiple of 31 as
    /// the header check requires), blocks of at most 65,535 bytes, then Adler-32 big-endian.
    public static func zlibStored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out.reserveCapacity(bytes.count + bytes.count / maximumStoredBlock * 5 + 11)
        var start = 0
        repeat {                                                    // at least one block, even when empty
            let count = min(maximumStoredBlock, bytes.count - start)
            let isFinal = start + count == bytes.count
            out.append(isFinal ? 1 : 0)                             // BFINAL, BTYPE = 00, padding bits 0
            let length = UInt16(count)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += bytes[start..<(start + count)]
            start += count
        } while start < bytes.count
        appendBigEndian(adler32(bytes), to: &out)
        return out
    }

    /// CRC-32 (the one of zlib, PNG and gzip: reflected polynomial 0xEDB88320, initial value
    /// and final XOR 0xFFFFFFFF). `crc32(Array("123456789".utf8))` is 0xCBF43926.
    public static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The CRC of each byte value, one bit at a time: shift right, XOR in the polynomial when a
    /// 1 falls off. Computed once.
    static let crcTable: [UInt32] = (0..<256).map { (n: Int) -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Adler-32: `a = 1 + Σ bytes`, `b = Σ (running a)`, both mod 65521; the checksum is
    /// `b << 16 | a`. `adler32(Array("Wikipedia".utf8))` is 0x11E60398.
    public static func adler32(_ bytes: some Collection<UInt8>) -> UInt32 {
        let modulus: UInt32 = 65_521
        var a: UInt32 = 1, b: UInt32 = 0
        var sinceReduction = 0
        for byte in bytes {
            a += UInt32(byte)
            b += a
            sinceReduction += 1
            // 5552 bytes is the longest run for which b cannot overflow 32 bits (zlib's NMAX).
            if sinceReduction == 5_552 {
                a %= modulus
                b %= modulus
                sinceReduction = 0
            }
        }
        return (b % modulus) << 16 | (a % modulus)
    }

    /// [length][type][data][CRC-32 of type and data].
    static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        appendBigEndian(UInt32(data.count), to: &file)
        file += typeBytes
        file += data
        appendBigEndian(crc32(typeBytes + data), to: &file)
    }

    static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

// Shared helpers for TapestryTextTests: fixtures, the corpus, a seeded generator, random
// Unicode strings, and a scratch directory. (TapestryText imports no tensor code, so these
// tests do not use Tapestry's RandomGenerator either.)

import Foundation
import Testing
@testable import TapestryText

enum TextTestSupport {
    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// datasets/shakespeare.txt.
    static let shakespearePath = repositoryRoot.appendingPathComponent("datasets/shakespeare.txt").path
    static let shakespeare: String = try! Corpus.load(path: shakespearePath)

    /// A tokenizer trained on the first 200,000 characters of Shakespeare: 768 merges and the
    /// special tokens <|endoftext|> (1024) and <|pad|> (1025). Trained once for all tests.
    static let trained: BPETokenizer = try! BPETokenizer.train(
        text: String(shakespeare.unicodeScalars.prefix(200_000)), vocabularySize: 1026,
        specialTokenNames: ["<|endoftext|>", "<|pad|>"])

    /// The decoded JSON of a fixture in Fixtures/.
    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// A fresh, empty directory for one test's files.
    static func scratchDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Building blocks of random test strings: ASCII, contractions, digits, letters of many
    /// scripts, combining marks, exotic whitespace, emoji with modifiers and joiners.
    static let pieces: [[Unicode.Scalar]] = [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " ", "  ", "\n", "\r\n", "\t",
        "'", "'s", "'ll", "'VE", ".,;:!?-()\"/\\@#$%", "éßÆøñçłĳ", "ЖжЯяйщ", "中文字符测试", "مرحبا",
        "あいうカタカナ", "한국어", "\u{301}\u{308}", "٣٤५", "ⅫⅣ", "²½", "\u{A0}\u{3000}\u{2028}\u{85}\u{B}",
        "👍🏽❤️🎉🚀😀", "\u{200D}\u{FE0F}", "©€™", "\u{0}\u{1B}\u{7F}", "<|endoftext|>",
    ].map { Array($0.unicodeScalars) }

    /// A random string of up to `maximumPieces` pieces; one piece in eight is a scalar drawn
    /// uniformly from all of Unicode (excluding surrogates, which a String cannot hold).
    static func randomString(_ generator: inout SplitMix64, maximumPieces: Int = 12) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<generator.next(below: maximumPieces + 1) {
            if generator.next(below: 8) == 0 {
                var value = UInt32(generator.next(below: 0x110000 - 0x800))
                if value >= 0xD800 { value += 0x800 }
                scalars.append(Unicode.Scalar(value)!)
                continue
            }
            let piece = pieces[generator.next(below: pieces.count)]
            if piece.count > 4 {
                for _ in 0..<(1 + generator.next(below: 5)) { scalars.append(piece[generator.next(below: piece.count)]) }
            } else {
                scalars.append(contentsOf: piece)
            }
        }
        return String(scalars)
    }
}

/// SplitMix64, the small seeded generator the tests share (same sequence on every run).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<bound.
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

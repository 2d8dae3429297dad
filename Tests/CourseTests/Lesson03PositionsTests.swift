// Lesson 3: positional encodings (notebooks-md/03-positional-encodings.md).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExerciseSolutions
import Tapestry
import TapestryGPT
import Testing

@Suite struct Lesson03PositionsTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "03")
    }

    /// Largest |a[0, i, :] − b[0, order[i], :]|: how far `b` is from `a` with its rows permuted.
    func permutationGap(_ a: Tensor, _ b: Tensor, order: [Int]) -> Float {
        var worst: Float = 0
        for i in order.indices { for c in 0..<a.shape[2] { worst = max(worst, abs(b[0, i, c] - a[0, order[i], c])) } }
        return worst
    }

    @Test func attentionAloneIgnoresOrder() {
        // lesson: 03-permute begin
        var generator = RandomGenerator(seed: 3)
        let tape = Tape()
        func attend(_ x: Tensor) -> Tensor {                                   // self-attention, no mask
            let v = tape.constant(x)
            return Variable.scaledDotProductAttention(query: v, key: v, value: v, heads: 1, causal: false).output.value
        }
        let x = Tensor.randomNormal([1, 4, 8], using: &generator)             // [B, T, C]: 4 tokens
        let order = [2, 0, 3, 1]                                               // the same tokens, shuffled
        let shuffled = Tensor(shape: [1, 4, 8], scalars: order.flatMap { t in (0..<8).map { x[0, t, $0] } })
        let out = attend(x), outShuffled = attend(shuffled)
        // lesson: 03-permute end
        let gap = permutationGap(out, outShuffled, order: order)
        #expect(gap < 1e-6)
        LessonBook.pin("03-permute-gap", gap)

        // lesson: 03-learned begin
        let wpe = Tensor.randomNormal([4, 8], std: 0.5, using: &generator)    // [T, C]: one vector per position
        let withPositions = attend(x + wpe)                                    // broadcast over B
        let shuffledWithPositions = attend(shuffled + wpe)
        // lesson: 03-learned end
        let learnedGap = permutationGap(withPositions, shuffledWithPositions, order: order)
        #expect(learnedGap > 0.1)
        LessonBook.pin("03-learned-gap", learnedGap)
    }

    @Test func sinusoidsMakeOffsetsVisible() throws {
        // Computed with the reference answer of exercise 3.1 (the lesson shows only the formula).
        let table = try ExerciseSolutions.sinusoidalPositions(positions: 200, channels: 64)
        func dot(_ p: Int, _ s: Int) -> Float { zip(table[p], table[s]).reduce(0) { $0 + $1.0 * $1.1 } }
        LessonBook.pin("03-sin-dot-shift", [dot(0, 3), dot(10, 13), dot(150, 153)])
        LessonBook.pin("03-sin-dot-far", [dot(50, 51), dot(50, 54), dot(50, 66), dot(50, 114)])
        LessonBook.pin("03-sin-row0", Array(table[0].prefix(6)))
        #expect(abs(dot(0, 3) - dot(150, 153)) < 1e-3)
        // The exercise's table is the library's.
        let library = SinusoidalPositions.table(positions: 0..<200, channels: 64)
        for p in [0, 7, 199] { for c in 0..<64 { #expect(abs(library[p, c] - table[p][c]) < 1e-5) } }
    }

    @Test func theGPTCanUseEveryScheme() {
        // lesson: 03-schemes begin
        var counts: [String] = []
        for scheme in PositionalScheme.allCases {                     // learned, sinusoidal, rope, alibi
            let config = GPTConfig(blockSize: 64, vocabSize: 65, nLayer: 2, nHead: 4, nEmbd: 64,
                                   positionalEncoding: scheme)
            counts.append("\(scheme.rawValue): \(GPT(config: config, seed: 3).parameterCount)")
        }
        // lesson: 03-schemes end
        LessonBook.pin("03-scheme-counts", text: counts.joined(separator: "\n"))
    }

    @Test func rotationsMakeScoresDependOnTheOffset() {
        // lesson: 03-rope begin
        func rotated(_ v: [Float], position: Int) -> [Float] {                 // RoPE on one vector
            var out = v
            for i in 0..<(v.count / 2) {
                let angle = Float(position) * powf(10_000, -Float(2 * i) / Float(v.count))   // p · ωᵢ
                let (x, y) = (v[2 * i], v[2 * i + 1])
                out[2 * i] = x * cosf(angle) - y * sinf(angle)                 // rotate the pair (x, y)
                out[2 * i + 1] = x * sinf(angle) + y * cosf(angle)
            }
            return out
        }
        func score(_ q: [Float], at p: Int, _ k: [Float], at s: Int) -> Float {
            zip(rotated(q, position: p), rotated(k, position: s)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let q: [Float] = [0.3, -1.2, 0.8, 0.1, -0.5, 0.9, 1.1, -0.4]
        let k: [Float] = [1.0, 0.2, -0.7, 0.6, 0.4, -1.3, 0.2, 0.8]
        let scores = [score(q, at: 5, k, at: 2), score(q, at: 105, k, at: 102), score(q, at: 2, k, at: 5)]
        // lesson: 03-rope end
        #expect(abs(scores[0] - scores[1]) < 1e-3)
        LessonBook.pin("03-rope-scores", scores)

        // The library's rotary op (one head of size 8) rotates exactly like this hand-written one.
        let tape = Tape()
        let x = tape.constant(Tensor(shape: [1, 2, 8], scalars: q + k))
        let byOp = x.rotated(by: RotaryTable(positions: 5..<7, headSize: 8), heads: 1).value
        let byHand = rotated(q, position: 5) + rotated(k, position: 6)
        for i in 0..<16 { #expect(abs(byOp[flat: i] - byHand[i]) < 1e-5) }
    }

    @Test func alibiIsABiasOnTheScores() {
        // lesson: 03-alibi begin
        let heads = 4
        let slopes = (1...heads).map { h in powf(2, -8 * Float(h) / Float(heads)) }   // m_h = 2^(−8h/nh)
        let t = 5
        let bias = Tensor(shape: [t, t], scalars: (0..<t).flatMap { i in
            (0..<t).map { j in j <= i ? -slopes[0] * Float(i - j) : -.infinity }       // −m·(i − j), causal
        })
        // lesson: 03-alibi end
        LessonBook.pin("03-alibi-slopes", slopes)
        #expect(slopes == ALiBi.slopes(heads: 4))
        LessonBook.pin("03-alibi-bias", text: "\(bias)")
    }
}

// Lesson 10: sampling: greedy, temperature, top-k, top-p (notebooks-md/10-sampling.md).

import ExerciseSolutions
import Foundation
import Tapestry
import TapestryGPT
import Testing

@Suite struct Lesson10SamplingTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "10")
    }

    // Five candidate next tokens and the model's scores for them.
    let logits: [Float] = [2.0, 1.5, 0.5, 0.0, -1.0]

    @Test func greedyAndDrawing() {
        // lesson: 10-greedy begin
        let greedy = Sampling.argmax(logits)                                     // always the top token
        let p = Sampling.probabilities(logits: logits, temperature: 1)           // softmax
        var generator = RandomGenerator(seed: 10)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<10_000 { counts[Sampling.draw(p, generator: &generator)] += 1 }
        // lesson: 10-greedy end
        LessonBook.pin("10-greedy", greedy)
        LessonBook.pin("10-p", p)
        LessonBook.pin("10-counts", counts)
        for i in p.indices { #expect(abs(Float(counts[i]) / 10_000 - p[i]) < 0.02) }
    }

    @Test func temperatureSharpensOrFlattens() throws {
        // lesson: 10-temperature begin
        let cold = Sampling.probabilities(logits: logits, temperature: 0.5)      // softmax(z / 0.5)
        let hot = Sampling.probabilities(logits: logits, temperature: 2)         // softmax(z / 2)
        // lesson: 10-temperature end
        LessonBook.pin("10-cold", cold)
        LessonBook.pin("10-hot", hot)
        for t: Float in [0.5, 1, 2] {
            let mine = try ExerciseSolutions.probabilities(logits: logits, temperature: t)
            let library = Sampling.probabilities(logits: logits, temperature: t)
            for i in mine.indices { #expect(abs(mine[i] - library[i]) < 1e-6) }
        }
    }

    @Test func topKAndTopP() throws {
        // lesson: 10-filters begin
        let p = Sampling.probabilities(logits: logits, temperature: 1)
        let topK = Sampling.topK(p, k: 2)                                        // the 2 best, renormalized
        let topP = Sampling.topP(p, p: 0.8)                                      // the best until 80% of the mass
        // lesson: 10-filters end
        LessonBook.pin("10-top-k", topK)
        LessonBook.pin("10-top-p", topP)
        #expect(abs(p[0] + p[1] - 0.797) < 0.0005)
        // The reference answer of exercise 10.1 agrees with the library on many distributions.
        var generator = RandomGenerator(seed: 1010)
        for _ in 0..<50 {
            let random = Sampling.probabilities(logits: (0..<12).map { _ in generator.normal() * 2 }, temperature: 1)
            let cut = generator.uniform(0.05, 0.99)
            let mine = try ExerciseSolutions.topP(random, p: cut), library = Sampling.topP(random, p: cut)
            for i in mine.indices { #expect(abs(mine[i] - library[i]) < 1e-5) }
        }
    }

    @Test func thePipelineTheSampleProgramUses() {
        // lesson: 10-choose begin
        let options = SamplingOptions(temperature: 0.8, topK: 3, topP: 0.9)      // sample's flags
        var generator = RandomGenerator(seed: 100)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<10_000 {
            counts[Sampling.choose(logits: logits, options: options, generator: &generator)] += 1
        }
        // lesson: 10-choose end
        LessonBook.pin("10-choose-counts", counts)
        #expect(counts[2] == 0 && counts[3] == 0 && counts[4] == 0)
    }
}

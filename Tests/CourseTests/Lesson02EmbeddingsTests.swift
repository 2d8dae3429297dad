// Lesson 2: embeddings and vector similarity (notebooks-md/02-embeddings.md).

import Foundation
import Tapestry
import TapestryText
import Testing

@Suite struct Lesson02EmbeddingsTests {
    @Test func lessonCodeIsInSync() {
        LessonBook.expectCodeInSync(lesson: "02")
    }

    @Test func aLookupIsAOneHotProduct() {
        // lesson: 02-lookup begin
        var generator = RandomGenerator(seed: 2)
        let tape = Tape()
        let table = tape.variable(Tensor.randomNormal([5, 3], using: &generator))   // V = 5 tokens, C = 3
        let rows = table.embedding([4, 0, 4], shape: [3])                          // [3, C]: rows 4, 0, 4
        let oneHot = tape.constant(Tensor([[0, 0, 0, 0, 1],
                                           [1, 0, 0, 0, 0],
                                           [0, 0, 0, 0, 1]]))                       // [3, V]
        let product = oneHot.matmul(table)                                          // [3, V] · [V, C] = [3, C]
        // lesson: 02-lookup end
        #expect(rows.value == product.value)
        LessonBook.pin("02-table", text: "\(table.value)")
        LessonBook.pin("02-rows", text: "\(rows.value)")

        // lesson: 02-backward begin
        tape.backward(rows.sum())                                  // loss = Σ of every looked-up value
        let gradient = tape.gradient(of: table)!                   // [V, C]
        // lesson: 02-backward end
        LessonBook.pin("02-gradient", text: "\(gradient)")
        #expect(gradient.scalars == [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2])
    }

    @Test func randomVectorsAreAlmostOrthogonal() {
        // lesson: 02-random begin
        var generator = RandomGenerator(seed: 22)
        let tape = Tape()
        let x = tape.constant(Tensor.randomNormal([200, 128], using: &generator))   // 200 random vectors, C = 128
        let lengths = (x * x).sum(axis: 1, keepingDimension: true).sqrt()          // [200, 1]: ‖xᵢ‖
        let unit = x / lengths                                                     // every row now has length 1
        let cosines = unit.matmul(unit.transposed(0, 1))                           // [200, 200]: cos of every pair
        // lesson: 02-random end
        var sum = 0.0, largest: Float = 0
        for i in 0..<200 {
            #expect(abs(cosines.value[i, i] - 1) < 1e-5)
            for j in 0..<200 where j != i {
                sum += Double(abs(cosines.value[i, j]))
                largest = max(largest, abs(cosines.value[i, j]))
            }
        }
        LessonBook.pin("02-mean-abs-cosine", sum / Double(200 * 199))
        LessonBook.pin("02-predicted-abs-cosine", (2 / (Double.pi * 128)).squareRoot())
        LessonBook.pin("02-largest-abs-cosine", largest)
    }

    @Test func trainedEmbeddingsGroupCharactersThatBehaveAlike() throws {
        // lesson: 02-bigram begin
        let text = String(try Corpus.load(path: repositoryFile("datasets/shakespeare.txt")).prefix(5_000))
        let tokenizer = try CharTokenizer(corpus: text)
        let ids = try tokenizer.encode(text)
        let (inputs, targets) = (Array(ids.dropLast()), Array(ids.dropFirst()))   // predict the next character
        let v = tokenizer.vocabularySize, c = 16
        var generator = RandomGenerator(seed: 2)
        let table = Parameter("wte", Tensor.randomNormal([v, c], std: 0.1, using: &generator))   // [V, C]
        let head = Parameter("head", Tensor.randomNormal([v, c], std: 0.1, using: &generator))   // [V, C]
        var losses: [Float] = []
        for _ in 0..<100 {
            let tape = Tape()
            let x = tape.parameter(table).embedding(inputs, shape: [inputs.count])        // [N, C]
            let logits = x.linear(weight: tape.parameter(head), bias: nil)                 // [N, V]
            let loss = logits.crossEntropy(targets: targets)
            losses.append(loss.value.item)
            [table, head].zeroGrad()
            tape.backward(loss)
            let learningRate = Tensor(2)
            for p in [table, head] { p.value = p.value - learningRate * p.grad }          // θ ← θ − η ∇θ
        }
        // lesson: 02-bigram end
        LessonBook.pin("02-bigram-losses", [losses[0], losses[99]])
        LessonBook.pin("02-vocabulary", v)
        LessonBook.pin("02-uniform-loss", log(Double(v)))

        // lesson: 02-neighbours begin
        let tape = Tape()
        let e = tape.constant(table.value)                                        // [V, C], trained
        let unit = e / (e * e).sum(axis: 1, keepingDimension: true).sqrt()
        let similarity = unit.matmul(unit.transposed(0, 1)).value                 // [V, V]: cos of every pair
        func nearest(_ character: String) throws -> String {
            let i = try tokenizer.encode(character)[0]
            let others = (0..<v).filter { $0 != i }.sorted { similarity[i, $0] > similarity[i, $1] }
            return others.prefix(4).map { tokenizer.decode([$0]) }.joined(separator: " ")
        }
        // lesson: 02-neighbours end
        let listing = try ["a", "o", "e", ",", ".", "T"].map { "\($0)  →  \(try nearest($0))" }.joined(separator: "\n")
        LessonBook.pin("02-neighbours", text: listing)
    }
}

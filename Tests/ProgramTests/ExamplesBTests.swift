// The tape-step, sampling-explorer, kv-cache and quantize examples, run as a learner runs them,
// on a tiny checkpoint the tests train first (ExamplesBSupport.swift). Each test checks the exit
// status, recomputes the key numbers from what the program printed or wrote, and parses the
// files it wrote.

import Foundation
import Testing
import TapestryTestSupport

@Suite struct TapeStepExampleTests {
    @Test func walksEveryNodeAndItsNumbersAddUp() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dot = directory.appendingPathComponent("tape.dot").path
        let result = runProgram("tape-step", arguments: ["--non-interactive", "--dot", dot])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let out = result.stdout

        // The backward walk visits the 9 ops in reverse recording order.
        let visited = out.split(separator: "\n").filter { $0.hasPrefix("◀ #") }.map { $0.split(separator: " ")[2] }
        #expect(visited == ["add", "multiplyScalar", "sqrt", "sum", "squared", "crossEntropy", "linear", "tanh", "linear"])

        // loss = crossEntropy + 0.01·√(Σ W2²), recomputed from the printed W2 and cross-entropy.
        let w2 = Printed.numbers(in: Printed.line(startingWith: "%2   leaf W2", in: out).dropFirst(52))
        let crossEntropy = try #require(Printed.numbers(in: Printed.line(startingWith: "%7   #3 crossEntropy", in: out).dropFirst(52)).last)
        let loss = try #require(Printed.numbers(in: Printed.line(startingWith: "loss =", in: out)).first)
        #expect(w2.count == 8)
        #expect(abs(loss - (crossEntropy + 0.01 * w2.map { $0 * $0 }.reduce(0, +).squareRoot())) < 2e-4)

        // crossEntropy's contribution to the logits is softmax(logits) − onehot(1).
        let logits = Printed.numbers(in: Printed.line(startingWith: "%6   #2 linear", in: out).dropFirst(52))
        let contribution = Printed.numbers(in: Printed.line(startingWith: "into %6", in: out).dropFirst(10))
        #expect(logits.count == 2 && contribution.count == 2)
        let p1 = 1 / (1 + exp(logits[0] - logits[1]))
        #expect(abs(contribution[0] - (1 - p1)) < 1e-3 && abs(contribution[1] - (p1 - 1)) < 1e-3)

        #expect(out.contains("dL/dW2 = ") && out.contains("(fan-out: used 2 times, the contributions add)"))
        #expect(Printed.line(startingWith: "finite differences", in: out).hasSuffix(": agree"))
        #expect(!out.contains("── break") && !out.contains("tape-step>"))

        // The DOT file: 4 leaves, 9 ops, 1 constant, an edge per op input (14), all declared.
        let text = try String(contentsOfFile: dot, encoding: .utf8)
        #expect(text.hasPrefix("digraph tape {") && text.hasSuffix("}\n"))
        let lines = text.split(separator: "\n")
        let declared = Set(lines.filter { $0.contains("[shape=") }.map { $0.split(separator: " ")[0] })
        let edges = lines.filter { $0.contains(" -> ") && !$0.contains("label") }
        #expect(declared.count == 14)
        #expect(edges.count == 14)
        for edge in edges {
            let ends = edge.replacingOccurrences(of: ";", with: "").split(separator: " ").filter { $0 != "->" }
            #expect(ends.allSatisfy { declared.contains($0) }, "undeclared node in \(edge)")
        }
        #expect(lines.filter { $0.contains("label=") }.allSatisfy {
            $0.replacingOccurrences(of: "\\\"", with: "").filter { $0 == "\"" }.count % 2 == 0
        })
    }

    @Test func injectedNaNBreaksWhereTheInfinityIsBorn() {
        let result = runProgram("tape-step", arguments: ["--inject-nan"])       // stdin is not a terminal
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let out = result.stdout
        #expect(out.contains("every forward value is finite"))
        #expect(out.components(separatedBy: "── break at").count == 2)
        #expect(out.contains("── break at #6 sqrt: first NaN/Inf gradient"))
        #expect(out.contains("first non-finite gradient: #6 sqrt"))
        #expect(Printed.line(startingWith: "dL/dW2 =", in: out).contains("nan"))
        #expect(Printed.line(startingWith: "finite differences", in: out).hasSuffix("DISAGREE"))
    }

    @Test func promptCommandsStepBreakAndQuit() {
        // Enter: one node; `b linear`: run to the next linear; `q`: stop there.
        let result = runProgram("tape-step", arguments: ["--interactive"], stdin: "\nb linear\nq\n")
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let out = result.stdout
        #expect(out.components(separatedBy: "tape-step> ").count == 4)          // three prompts
        #expect(out.contains("── break at #2 linear: break on linear"))
        #expect(out.contains("◀ #2 linear") && !out.contains("◀ #1 tanh"))
        #expect(out.contains("stopped before the leaves"))
    }

    @Test(arguments: [["--bogus"], ["--break", "conv2d"], ["--seed", "x"], ["--interactive", "--non-interactive"]])
    func badFlagsExitWithStatus2AndOneLine(arguments: [String]) {
        let result = runProgram("tape-step", arguments: arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("error: tape-step: ") && result.stderr.split(separator: "\n").count == 1,
                "stderr: \(result.stderr)")
    }
}

@Suite struct SamplingExplorerExampleTests {
    /// The rows of each step's table: (rank, [raw, tempered, top-k, top-p], chosen). Fields are
    /// read from both ends, because a token can be a quoted space.
    func tables(_ out: String) -> [[(rank: Int, p: [Float], chosen: Bool)]] {
        var steps: [[(rank: Int, p: [Float], chosen: Bool)]] = []
        for line in out.split(separator: "\n") {
            if line.hasPrefix("step ") { steps.append([]); continue }
            let chosen = line.hasSuffix("◀ chosen")
            let fields = line.split(separator: " ").dropLast(chosen ? 2 : 0)
            guard !steps.isEmpty, fields.count >= 7, let rank = Int(fields.first!) else { continue }
            steps[steps.count - 1].append((rank, fields.suffix(4).compactMap { Float($0) }, chosen))
        }
        return steps
    }

    @Test func everyStageRenormalizesWhatItKeeps() throws {
        let result = runProgram("sampling-explorer", arguments: [
            "--checkpoint", try TinyCheckpoint.model(), "--tokens", "3", "--top-k", "5", "--top-p", "0.5"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let steps = tables(result.stdout)
        #expect(steps.count == 3)
        for rows in steps {
            #expect(rows.count == 10 && rows.filter(\.chosen).count == 1)
            let raw = rows.map { $0.p[0] }, tempered = rows.map { $0.p[1] }
            let topK = rows.map { $0.p[2] }, topP = rows.map { $0.p[3] }
            #expect(zip(raw, raw.dropFirst()).allSatisfy { $0 >= $1 })
            // top-k: the 5 most likely keep p_T / Σ of those 5; the rest are 0.
            let keptMass = tempered.prefix(5).reduce(0, +)
            for i in 0..<10 { #expect(abs(topK[i] - (i < 5 ? tempered[i] / keptMass : 0)) < 2e-3) }
            // top-p: the shortest prefix whose top-k mass reaches 0.5, renormalized.
            let kept = topP.filter { $0 > 0 }.count
            #expect(topK.prefix(kept).reduce(0, +) >= 0.5 - 2e-3 && topK.prefix(kept - 1).reduce(0, +) < 0.5 + 2e-3)
            let nucleus = topK.prefix(kept).reduce(0, +)
            for i in 0..<kept { #expect(abs(topP[i] - topK[i] / nucleus) < 2e-3) }
            #expect(rows.first(where: \.chosen).map { $0.p[3] > 0 } == true)   // drawn from what top-p kept
        }
        #expect(result.stdout.contains("identical: yes (3 tokens)"))
    }

    @Test func temperatureZeroAlwaysTakesTheTopCandidate() throws {
        let result = runProgram("sampling-explorer", arguments: [
            "--checkpoint", try TinyCheckpoint.model(), "--tokens", "4", "--temperature", "0"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let steps = tables(result.stdout)
        #expect(steps.count == 4)
        for rows in steps {
            #expect(rows.first?.chosen == true)
            #expect(rows.map { $0.p[1] } == [1] + [Float](repeating: 0, count: 9))
        }
        let limit = result.stdout.split(separator: "\n").filter { $0.contains("top-1 probability") }
            .compactMap { Printed.numbers(in: $0).last }
        #expect(limit.count == 6 && zip(limit, limit.dropFirst()).allSatisfy { $0 <= $1 })   // T ↓ sharpens
        #expect(result.stdout.contains("identical: yes (4 tokens)"))
    }

    @Test(arguments: [["--top-p", "0"], ["--checkpoint", "/nonexistent/model.safetensors"], ["--tokens", "-1"]])
    func badInputExitsWithStatus2AndOneLine(arguments: [String]) {
        let result = runProgram("sampling-explorer", arguments: arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("error: sampling-explorer: ") && result.stderr.split(separator: "\n").count == 1,
                "stderr: \(result.stderr)")
    }
}

@Suite struct KVCacheExampleTests {
    @Test func sameTokensAndQuadraticVersusLinearWork() throws {
        let result = runProgram("kv-cache", arguments: ["--checkpoint", try TinyCheckpoint.model(), "--repeats", "1"])
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
            .map { $0.split(separator: " ") }
        #expect(rows.map { Int($0[0]) } == [8, 16, 32])
        for row in rows {
            let n = Int(row[0])!
            #expect(row[1].hasPrefix("yes"), "row \(row)")                 // yes, or yes(Δ...) for tiny logit noise
            // Without the cache, step s recomputes n/2 + s positions; with it, the prompt once, then 1.
            let uncached = (0..<(n / 2)).reduce(0) { $0 + n / 2 + $1 }
            #expect(Int(row[2]) == uncached && Int(row[6]) == n - 1, "row \(row)")
        }
        #expect(result.stdout.contains("tokens identical with and without the cache: yes, for every n"))
    }

    @Test(arguments: [["--checkpoint", "/nonexistent/model.safetensors"], ["--repeats", "0"], ["--bogus"]])
    func badInputExitsWithStatus2AndOneLine(arguments: [String]) {
        let result = runProgram("kv-cache", arguments: arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("error: kv-cache: ") && result.stderr.split(separator: "\n").count == 1,
                "stderr: \(result.stderr)")
    }
}

@Suite struct QuantizeExampleTests {
    @Test func writesInt8WeightsWithRowScalesThatSampleAccepts() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try TinyCheckpoint.model()
        let output = directory.appendingPathComponent("model-int8.safetensors").path
        // Run from elsewhere: the default --corpus must still be found in the checkout.
        let result = runProgram("quantize", arguments: ["--checkpoint", checkpoint, "--out", output,
                                                        "--batches", "2", "--batch-size", "2"],
                                currentDirectory: directory)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")

        // Every matrix is I8 with one F32 scale per row; q·scale is within scale/2 of the original.
        let original = try RawSafeTensors(path: checkpoint), quantized = try RawSafeTensors(path: output)
        var worst: Float = 0, matrices = 0
        for (name, entry) in original.entries {
            guard entry.shape.count == 2 else {
                #expect(try quantized.floats(name) == original.floats(name), "\(name) should stay F32")
                continue
            }
            matrices += 1
            let q = try quantized.int8s(name), scales = try quantized.floats(name + ".scale"), w = try original.floats(name)
            #expect(quantized.entries[name]?.shape == entry.shape && scales.count == entry.shape[0])
            #expect(q.allSatisfy { $0 != -128 })                            // symmetric: −127...127
            for i in 0..<w.count {
                let row = i / entry.shape[1]
                let error = abs(Float(q[i]) * scales[row] - w[i])
                #expect(error <= scales[row] / 2 * 1.0001 + 1e-9)
                worst = max(worst, error)
            }
        }
        #expect(matrices == 6)                                              // wte, wpe and 4 Linear weights
        #expect(quantized.metadata["quantization"] == "int8-per-row-symmetric")
        #expect(quantized.metadata["config"] == original.metadata["config"])
        #expect(quantized.metadata["tokenizer"] == original.metadata["tokenizer"])

        let out = result.stdout
        let printedWorst = try #require(Printed.numbers(in: Printed.line(startingWith: "max absolute weight error:", in: out)).first)
        #expect(abs(printedWorst - worst) <= worst * 1e-2)
        let sizes = Printed.numbers(in: Printed.line(startingWith: "file size:", in: out))
        let actual = try [checkpoint, output].map {
            (try FileManager.default.attributesOfItem(atPath: $0)[.size] as? NSNumber)?.intValue ?? -1
        }
        #expect(sizes.count == 3 && Int(sizes[0]) == actual[0] && Int(sizes[1]) == actual[1] && sizes[2] < 0.5)
        let losses = Printed.numbers(in: Printed.line(startingWith: "val loss on the same", in: out)).suffix(3)
        #expect(losses.count == 3 && losses.allSatisfy(\.isFinite))
        #expect(abs(losses[losses.startIndex + 1] - losses[losses.startIndex]) < 0.05)

        // `sample` loads the quantized file through ModelCheckpoint.load.
        let sample = runProgram("sample", arguments: ["--checkpoint", output, "--max-new-tokens", "5", "--prompt", "ROMEO:"])
        #expect(sample.exitCode == 0, "stderr: \(sample.stderr)")
        #expect(sample.stdout.hasPrefix("ROMEO:") && sample.stdout.count == "ROMEO:".count + 5 + 1)

        // Quantizing twice is refused.
        let again = runProgram("quantize", arguments: ["--checkpoint", output, "--out", output + ".again"])
        #expect(again.exitCode == 2 && again.stderr.contains("already quantized"))
    }

    @Test(arguments: [["--checkpoint", "/nonexistent/model.safetensors"], ["--batches", "0"], ["--corpus"]])
    func badInputExitsWithStatus2AndOneLine(arguments: [String]) {
        let result = runProgram("quantize", arguments: arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("error: quantize: ") && result.stderr.split(separator: "\n").count == 1,
                "stderr: \(result.stderr)")
    }
}

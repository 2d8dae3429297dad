// ExpertRouting: the three ops a mixture-of-experts layer adds to the tape (TapestryGPT's
// MixtureOfExperts.swift puts them together), forward and backward side by side.
// Shapes: N tokens (B·T flattened), C channels, E experts, K experts per token.
//
//   gates = topKGates(p, K)                  [N, E]  p = router probabilities (rows sum to 1)
//       S(n) = the K largest p[n, e] (ties: the lower expert index wins)
//       gates[n, e] = p[n, e] / Σ_{e'∈S(n)} p[n, e']   for e ∈ S(n), else 0
//       The selection S is piecewise constant in p (no gradient); the renormalization is not:
//       with s = Σ_S p and g = p/s,  ∂g_e/∂p_e' = (δ_ee' − g_e)/s   for e, e' ∈ S, so
//       dp_e' += (dg_e' − Σ_{e∈S} dg_e·g_e) / s.      This is how the router learns from the loss.
//   x_e = gatherRows(x, tokens_e)            [n_e, C] the tokens routed to expert e
//       dx[tokens_e[r]] += dx_e[r]
//   y = combineExperts(y_e, gates)           [N, C]  y[n] = Σ_{e∈S(n)} gates[n, e]·y_e[row of n]
//       dy_e[r] += gates[n, e]·dy[n]         dgates[n, e] += dy[n]·y_e[r]     (n = tokens_e[r])
//
// Determinism: every output row is summed over experts in ascending order, on one thread (these
// are memory copies of N·C floats, a few µs; the experts' GEMMs are where the time goes).
//
// Not replayable (Tape.replay): the routing, which tokens go to which expert and so how many
// rows each expert's ops see, is decided by the data of each step; a recording holds one
// step's routing. These three ops give `record` no forward closure, so a tape holding them
// says `isReplayable == false` and the trainer records every step.

/// Which experts each token goes to, decided by `topKGates`.
public struct ExpertAssignment: Sendable {
    /// E.
    public let experts: Int
    /// K.
    public let topK: Int
    /// For each expert, the tokens routed to it, in ascending order.
    public let tokens: [[Int]]

    public init(experts: Int, topK: Int, tokens: [[Int]]) {
        self.experts = experts
        self.topK = topK
        self.tokens = tokens
    }

    /// Fraction of the N·K (token, expert) assignments that went to each expert; sums to 1,
    /// and is 1/E for every expert when the load is perfectly balanced.
    public var utilization: [Float] {
        let total = Float(max(tokens.reduce(0) { $0 + $1.count }, 1))
        return tokens.map { Float($0.count) / total }
    }
}

extension Variable {
    /// Router probabilities [N, E] → (renormalized top-k gates [N, E], the assignment).
    /// `gates[n, e] = p[n, e] / Σ_{top k} p[n, ·]` for the k most probable experts of token n
    /// (ties go to the lower index), 0 for the others; each row of gates sums to 1.
    public func topKGates(k: Int, file: StaticString = #fileID, line: UInt = #line)
        -> (gates: Variable, assignment: ExpertAssignment) {
        let p = self
        checkShapes { () throws(ShapeError) in
            try Shapes.require(p.shape, rank: 2, "probabilities [N, E]", op: "topKGates", file: file, line: line)
            guard k >= 1, k <= p.shape[1] else {
                throw ShapeError(op: "topKGates", "k = \(k) must be in 1...E = \(p.shape[1])", file: file, line: line)
            }
        }
        let (tokens, experts) = (p.shape[0], p.shape[1])
        let pp = p.value.pointer
        var chosen = [Int](repeating: 0, count: tokens * k)             // [N, K], most probable first
        var routed = [[Int]](repeating: [], count: experts)
        var sums = [Float](repeating: 0, count: tokens)                 // s(n) = Σ_S p
        let gates = tape.allocate(p.shape)                              // [N, E]
        let gp = gates.storage.pointer
        gp.update(repeating: 0, count: tokens * experts)
        for n in 0..<tokens {
            let row = pp + n * experts
            for slot in 0..<k {                                         // k passes of argmax: k ≤ E is tiny
                var best = -1
                for e in 0..<experts where !chosen[(n * k)..<(n * k + slot)].contains(e) {
                    if best < 0 || row[e] > row[best] { best = e }        // strict >: ties keep the lower index
                }
                chosen[n * k + slot] = best
                sums[n] += row[best]
            }
            for slot in 0..<k {
                let e = chosen[n * k + slot]
                gp[n * experts + e] = row[e] / sums[n]
            }
        }
        for n in 0..<tokens {                                            // tokens ascending per expert
            for slot in 0..<k { routed[chosen[n * k + slot]].append(n) }
        }
        let assignment = ExpertAssignment(experts: experts, topK: k, tokens: routed)

        let result = tape.record("topKGates", inputs: [p], output: gates) { dGates in
            guard let dp = p.tape.gradientPointer(p) else { return }
            let gp = gates.pointer
            for n in 0..<tokens {
                let selected = chosen[(n * k)..<(n * k + k)]
                // Σ_{e∈S} dg_e·g_e
                var weighted: Float = 0
                for e in selected { weighted += dGates[n * experts + e] * gp[n * experts + e] }
                for e in selected {                                      // dp_e += (dg_e − Σ dg·g) / s
                    dp[n * experts + e] += (dGates[n * experts + e] - weighted) / sums[n]
                }
            }
        }
        return (result, assignment)
    }

    /// Rows of `self` [N, C] picked by `rows` (each in 0..<N): returns [rows.count, C].
    public func gatherRows(_ rows: [Int], file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        checkShapes { () throws(ShapeError) in
            try Shapes.require(x.shape, rank: 2, "x [N, C]", op: "gatherRows", file: file, line: line)
            if let bad = rows.first(where: { $0 < 0 || $0 >= x.shape[0] }) {
                throw ShapeError(op: "gatherRows", "row \(bad) is outside 0..<\(x.shape[0])", file: file, line: line)
            }
        }
        let columns = x.shape[1]
        let y = tape.allocate([rows.count, columns])                    // [n, C]
        let xp = x.value.pointer, yp = y.storage.pointer
        for (r, n) in rows.enumerated() { (yp + r * columns).update(from: xp + n * columns, count: columns) }
        return tape.record("gatherRows", inputs: [x], output: y) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }
            for (r, n) in rows.enumerated() {                            // dx[n] += dy[r]
                Kernels.add(dy + r * columns, into: dx + n * columns, count: columns)
            }
        }
    }

    /// `y[n] = Σ_e gates[n, e] · outputs[e][row of n]` [N, C]: the experts' outputs [n_e, C],
    /// rows in the order of `assignment.tokens[e]`, weighted and added back into token order.
    /// `outputs[e]` is nil for an expert that received no tokens.
    public static func combineExperts(_ outputs: [Variable?], assignment: ExpertAssignment, gates: Variable,
                                      file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let experts = assignment.experts
        let tokens = gates.shape.first ?? 0
        let columns = outputs.lazy.compactMap { $0?.shape.last }.first ?? 0
        checkShapes { () throws(ShapeError) in
            try Shapes.require(gates.shape, equals: [tokens, experts], "gates [N, E]", op: "combineExperts", file: file, line: line)
            for e in 0..<experts {
                let expected = assignment.tokens[e].isEmpty ? nil : [assignment.tokens[e].count, columns]
                guard outputs[e]?.shape == expected else {
                    throw ShapeError(op: "combineExperts", "expert \(e) output \(outputs[e]?.shape ?? []) should be \(expected ?? [])",
                                     file: file, line: line)
                }
            }
        }
        let tape = gates.tape
        let y = tape.allocate([tokens, columns])                        // [N, C]
        let yp = y.storage.pointer, gp = gates.value.pointer
        yp.update(repeating: 0, count: tokens * columns)
        for e in 0..<experts {
            guard let output = outputs[e] else { continue }
            let op = output.value.pointer
            for (r, n) in assignment.tokens[e].enumerated() {            // y[n] += g·y_e[r]
                Kernels.axpy(gp[n * experts + e], op + r * columns, yp + n * columns, count: columns)
            }
        }

        let present = outputs.compactMap { $0 }
        return tape.record("combineExperts", inputs: present + [gates], output: y) { dy in
            let tape = gates.tape
            let dGates = tape.gradientPointer(gates)
            let gp = gates.value.pointer
            for e in 0..<experts {
                guard let output = outputs[e] else { continue }
                let dOutput = tape.gradientPointer(output)
                let op = output.value.pointer
                for (r, n) in assignment.tokens[e].enumerated() {
                    let dRow = dy + n * columns, row = op + r * columns
                    if let dOutput {                                     // dy_e[r] += g·dy[n]
                        Kernels.axpy(gp[n * experts + e], dRow, dOutput + r * columns, count: columns)
                    }
                    if let dGates {                                      // dg[n, e] += dy[n]·y_e[r]
                        var dot: Float = 0
                        for c in 0..<columns { dot += dRow[c] * row[c] }
                        dGates[n * experts + e] += dot
                    }
                }
            }
        }
    }
}

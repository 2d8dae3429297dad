// RotaryEmbedding: RoPE, rotary position embeddings (Su et al., 2021, "RoFormer"), the op that
// rotates q and k before attention (used by TapestryGPT's `pos rope`, see Positions/ there).
//
// Within every head, channels are taken in pairs (2i, 2i+1) and each pair is rotated by an
// angle proportional to the token's absolute position p:
//   θᵢ = base^(−2i/hs)                 i = 0 ..< hs/2, base = 10000
//   [y₂ᵢ  ]   [cos pθᵢ  −sin pθᵢ] [x₂ᵢ  ]
//   [y₂ᵢ₊₁] = [sin pθᵢ   cos pθᵢ] [x₂ᵢ₊₁]
// Why it encodes RELATIVE position: a rotation by a followed by the transpose of a rotation
// by b is a rotation by a − b, so (R_m q)·(R_n k) = q·R_(n−m) k. The attention score of query
// m and key n depends on the offset n − m and on the contents, never on m itself.
//
// Backward: a rotation is orthogonal, so its inverse is its transpose (rotate by −pθᵢ):
//   dx₂ᵢ   += dy₂ᵢ·cos + dy₂ᵢ₊₁·sin
//   dx₂ᵢ₊₁ += −dy₂ᵢ·sin + dy₂ᵢ₊₁·cos
//
// With a KV cache, keys are stored already rotated at their own positions, and the new
// tokens use positions start ..< start + T (start = tokens already cached).
// What it is not: the "rotate half" layout of GPT-NeoX/LLaMA-HF (pairs (i, i + hs/2)); that
// is the same idea with the channels permuted. No parameters: nothing here is trained.
// Lesson: notebooks-md/03-positional-encodings.md

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// cos(p·θᵢ) and sin(p·θᵢ) for a range of positions and every channel pair of a head.
public struct RotaryTable: Sendable {
    /// Absolute positions of the rows.
    public let positions: Range<Int>
    /// Head size hs (must be even).
    public let headSize: Int
    /// [T, hs/2], row-major.
    let cosines: [Float]
    /// [T, hs/2], row-major.
    let sines: [Float]

    /// The table for `positions`, θᵢ = base^(−2i/hs). Angles computed in Double.
    public init(positions: Range<Int>, headSize: Int, base: Double = 10000) {
        precondition(headSize % 2 == 0, "RotaryTable: head size \(headSize) must be even")
        self.positions = positions
        self.headSize = headSize
        let pairs = headSize / 2
        var cosines = [Float](repeating: 0, count: positions.count * pairs)
        var sines = cosines
        for (row, p) in positions.enumerated() {
            for i in 0..<pairs {
                let angle = Double(p) * pow(base, -Double(2 * i) / Double(headSize))
                cosines[row * pairs + i] = Float(cos(angle))
                sines[row * pairs + i] = Float(sin(angle))
            }
        }
        self.cosines = cosines
        self.sines = sines
    }
}

extension Variable {
    /// Rotary position embedding of `self` [B, T, C], C = heads · hs: in every head, channel
    /// pair (2i, 2i+1) of time step t is rotated by the angle `table.positions[t] · θᵢ`.
    /// Returns [B, T, C].
    public func rotated(by table: RotaryTable, heads: Int,
                        file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let x = self
        checkShapes { () throws(ShapeError) in
            try Shapes.require(x.shape, rank: 3, "x [B, T, C]", op: "rotary", file: file, line: line)
            guard heads > 0, x.shape[2] == heads * table.headSize else {
                throw ShapeError(op: "rotary", "x \(x.shape) has C = \(x.shape[2]), expected \(heads) heads × \(table.headSize)",
                                 file: file, line: line)
            }
            guard x.shape[1] == table.positions.count else {
                throw ShapeError(op: "rotary", "x \(x.shape) has T = \(x.shape[1]), the table covers \(table.positions.count) positions",
                                 file: file, line: line)
            }
        }
        let (batch, time, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let pairs = table.headSize / 2
        let y = tape.allocate(x.shape)                                   // [B, T, C]

        // Calls body(row of x, row of the table) for every (b, t); one row holds all heads.
        func forEachRow(_ body: (_ offset: Int, _ cos: UnsafePointer<Float>, _ sin: UnsafePointer<Float>) -> Void) {
            table.cosines.withUnsafeBufferPointer { cos in
                table.sines.withUnsafeBufferPointer { sin in
                    for b in 0..<batch {
                        for t in 0..<time {
                            body((b * time + t) * channels, cos.baseAddress! + t * pairs, sin.baseAddress! + t * pairs)
                        }
                    }
                }
            }
        }

        // Forward: y = R(pθ) x, pair by pair, head by head.
        let xp = x.value.pointer, yp = y.storage.pointer
        func forward() {
            forEachRow { offset, cos, sin in
                for h in 0..<heads {
                    let xs = xp + offset + h * table.headSize, ys = yp + offset + h * table.headSize
                    for i in 0..<pairs {
                        let (even, odd) = (xs[2 * i], xs[2 * i + 1])
                        ys[2 * i] = even * cos[i] - odd * sin[i]
                        ys[2 * i + 1] = even * sin[i] + odd * cos[i]
                    }
                }
            }
        }
        forward()

        return tape.record("rotary", inputs: [x], output: y, forward: forward) { dy in
            guard let dx = x.tape.gradientPointer(x) else { return }
            // dx += R(pθ)ᵀ dy = R(−pθ) dy
            forEachRow { offset, cos, sin in
                for h in 0..<heads {
                    let dys = dy + offset + h * table.headSize, dxs = dx + offset + h * table.headSize
                    for i in 0..<pairs {
                        let (even, odd) = (dys[2 * i], dys[2 * i + 1])
                        dxs[2 * i] += even * cos[i] + odd * sin[i]
                        dxs[2 * i + 1] += odd * cos[i] - even * sin[i]
                    }
                }
            }
        }
    }
}

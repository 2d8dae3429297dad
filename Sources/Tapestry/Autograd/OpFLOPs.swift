// OpFLOPs: how many floating-point operations one recorded op costs, from its name and shapes.
//
// What it is: the arithmetic behind the profiler's GFLOP/s and MFU columns. An op's cost is
// computed from what the tape already sees at `record`: the op name, the input shapes, which
// inputs need a gradient, and the output shape. One multiply-add counts as 2 FLOPs.
//
// The formulas (N = rows, the product of all leading dimensions):
//   linear   x [N, in], W [out, in], b [out] → y [N, out]
//            forward  2·N·in·out            (+ N·out for the bias)
//            backward 2·N·in·out for dx, 2·N·in·out for dW (+ N·out for db), each only when that
//                     input needs a gradient; so 4·N·in·out for a layer inside the network,
//                     the familiar "backward costs twice the forward"
//   matmul   A [..., m, k] · B [..., k, n]: forward 2·batch·m·k·n, backward the same per input
//            that needs a gradient (dA = dC·Bᵀ, dB = Aᵀ·dC)
//   scaledDotProductAttention  q [B, Tq, C], k and v [B, Tk, C] (or one packed qkv [B, T, 3C]);
//            P = the (query, key) pairs
//            computed: Tq·Tk, or with a causal mask only the visible ones,
//            Σᵢ (Tk − Tq + i + 1) = Tq·(Tk − Tq) + Tq·(Tq + 1)/2  (the fused kernel skips the rest)
//            forward  2·B·P·C for S = Q·Kᵀ plus 2·B·P·C for O = W·V       = 4·B·P·C
//            backward 2·B·P·C each for dV = Wᵀ·dO, dW = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q = 8·B·P·C
//            The softmax (~5 FLOPs per score, B·heads·P scores) is left out: the tape does not
//            record the head count, and it is ~5/(4·hs) of the products (4% at hs = 32).
//   elementwise, normalization and loss ops (add, gelu, layerNorm, softmax, crossEntropy, ...)
//            a nominal 1 FLOP per element of the largest operand forward, and 1 per element of
//            each input that receives a gradient backward. These ops are bound by memory
//            traffic, not arithmetic; the number only shows their scale.
//   data movement (reshaped, permuted, sliced, concatenate, embedding, gatherRows) and ops
//            this table does not know: no count (the profiler prints "—").
//
// What it is not: a measurement. It counts the arithmetic the formulas need, not the
// instructions a kernel executes (packing, padding lanes, masked lanes are not counted).

/// One operand of an op, as the FLOP count sees it.
public struct OpOperand: Equatable, Sendable {
    /// The operand's shape.
    public var shape: [Int]
    /// Whether backward computes a gradient for it.
    public var needsGradient: Bool

    public init(shape: [Int], needsGradient: Bool) {
        self.shape = shape
        self.needsGradient = needsGradient
    }

    /// Number of elements (1 for a scalar).
    var count: Double { Double(shape.reduce(1, *)) }
}

/// Floating-point operations of one op call, forward and backward.
public struct OpCost: Equatable, Sendable {
    public var forward: Double
    public var backward: Double

    public init(forward: Double, backward: Double) {
        self.forward = forward
        self.backward = backward
    }
}

/// FLOP counts of the tape's ops (formulas in the header of OpFLOPs.swift).
public enum OpFLOPs {
    /// Ops that only move or gather data: no FLOPs counted ("—" in the profile).
    public static let dataMovement: Set<String> = ["reshaped", "permuted", "sliced", "concatenate",
                                                   "embedding", "gatherRows"]
    /// Ops counted at a nominal 1 FLOP per element (see the header).
    public static let elementwise: Set<String> = [
        "add", "subtract", "multiply", "divide", "addScalar", "subtractScalar", "scalarSubtract",
        "multiplyScalar", "divideScalar", "scalarDivide", "negate", "exp", "log", "tanh", "relu",
        "sqrt", "squared", "pow", "gelu", "dropout", "layerNorm", "softmax", "logSoftmax",
        "crossEntropy", "causalMask", "rotary", "sum", "mean", "max", "topKGates", "combineExperts",
    ]

    /// The cost of one call of `op`, or nil for data movement and unknown ops.
    ///
    /// `causalAttention` says whether `scaledDotProductAttention` ran with a causal mask: the
    /// tape records the op's tensors, not its options (the GPT's attention is always causal).
    ///
    /// Worked example: `linear` with x [2, 3, 4] (needs a gradient), W [5, 4], b [5], y [2, 3, 5]:
    /// N = 6, forward 2·6·4·5 + 6·5 = 270, backward 2·6·4·5 + 2·6·4·5 + 6·5 = 510.
    public static func cost(op: String, inputs: [OpOperand], output: [Int], causalAttention: Bool = true) -> OpCost? {
        let outputCount = Double(output.reduce(1, *))
        switch op {
        case "linear":
            guard inputs.count >= 2, inputs[1].shape.count == 2 else { return nil }
            let (x, weight) = (inputs[0], inputs[1])
            let outFeatures = Double(weight.shape[0]), inFeatures = Double(weight.shape[1])
            let rows = x.count / max(inFeatures, 1)
            let product = 2 * rows * inFeatures * outFeatures
            let bias = inputs.count > 2 ? inputs[2] : nil
            let forward = product + (bias != nil ? rows * outFeatures : 0)
            var backward = (x.needsGradient ? product : 0) + (weight.needsGradient ? product : 0)
            if let bias, bias.needsGradient { backward += rows * outFeatures }
            return OpCost(forward: forward, backward: backward)
        case "matmul":
            guard inputs.count == 2, let k = inputs[0].shape.last else { return nil }
            let product = 2 * outputCount * Double(k)                  // 2·batch·m·n·k
            let backward = inputs.reduce(0) { $0 + ($1.needsGradient ? product : 0) }
            return OpCost(forward: product, backward: backward)
        case "scaledDotProductAttention":
            guard inputs.count == 3 || inputs.count == 1, inputs.allSatisfy({ $0.shape.count == 3 }) else { return nil }
            var (query, key, value) = (inputs[0], inputs[inputs.count / 2], inputs[inputs.count - 1])
            if inputs.count == 1 {                                   // packed qkv [B, T, 3C]: q, k, v are thirds
                let third = OpOperand(shape: [query.shape[0], query.shape[1], query.shape[2] / 3],
                                      needsGradient: query.needsGradient)
                (query, key, value) = (third, third, third)
            }
            let batch = Double(query.shape[0]), channels = Double(query.shape[2])
            let pairs = attentionPairs(queries: query.shape[1], keys: key.shape[1], causal: causalAttention)
            let product = 2 * batch * pairs * channels                  // one [Tq, Tk]-by-hs product, all heads
            var backward = value.needsGradient ? product : 0            // dV = Wᵀ·dO
            if query.needsGradient || key.needsGradient { backward += product }   // dW = dO·Vᵀ
            if query.needsGradient { backward += product }              // dQ = dS·K
            if key.needsGradient { backward += product }                // dK = dSᵀ·Q
            return OpCost(forward: 2 * product, backward: backward)
        case _ where elementwise.contains(op):
            let largest = inputs.reduce(outputCount) { max($0, $1.count) }
            let backward = inputs.reduce(0) { $0 + ($1.needsGradient ? $1.count : 0) }
            return OpCost(forward: largest, backward: backward)
        default:
            return nil
        }
    }

    /// The (query, key) pairs attention computes: `queries·keys`, or with a causal mask
    /// Σᵢ (keys − queries + i + 1) = queries·(keys − queries) + queries·(queries + 1)/2.
    public static func attentionPairs(queries: Int, keys: Int, causal: Bool) -> Double {
        let q = Double(queries), k = Double(keys)
        return causal ? q * (k - q) + q * (q + 1) / 2 : q * k
    }
}

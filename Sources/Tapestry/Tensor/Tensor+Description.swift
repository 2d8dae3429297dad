// Tensor+Description: a PyTorch-style repr.
//
//   tensor([[ 1.0000,  2.0000],
//           [ 3.0000,  4.0000]], shape: [2, 2])
//
// Long dimensions are cut to their first and last three entries with "...".

extension Tensor: CustomStringConvertible {
    public var description: String {
        if rank == 0 { return "tensor(\(Tensor.format(storage.pointer[0])), shape: [])" }
        var out = "tensor("
        appendDimension(0, offset: 0, indent: 7, into: &out)
        out += ", shape: \(shape))"
        return out
    }

    private static func format(_ x: Float) -> String {
        if x.isNaN { return "    nan" }
        if x.isInfinite { return x > 0 ? "    inf" : "   -inf" }
        // Fixed 4 decimals, like PyTorch's default for small magnitudes.
        let scaled = (Double(x) * 10_000).rounded() / 10_000
        var text = String(format4: scaled)
        while text.count < 7 { text = " " + text }
        return text
    }

    private func appendDimension(_ dim: Int, offset: Int, indent: Int, into out: inout String) {
        let size = shape[dim]
        let stride = shape[(dim + 1)...].reduce(1, *)
        let shown: [Int?] = size > 6 ? [0, 1, 2, nil, size - 3, size - 2, size - 1] : (0..<size).map { $0 }
        out += "["
        for (n, index) in shown.enumerated() {
            if n > 0 {
                out += ","
                if dim < rank - 1 {
                    out += String(repeating: "\n", count: rank - 1 - dim)
                    out += String(repeating: " ", count: indent + dim + 1)
                } else {
                    out += " "
                }
            }
            guard let index else { out += "..."; continue }
            if dim == rank - 1 {
                out += Tensor.format(storage.pointer[offset + index])
            } else {
                appendDimension(dim + 1, offset: offset + index * stride, indent: indent, into: &out)
            }
        }
        out += "]"
    }
}

extension String {
    /// A Double printed with exactly four decimals, without Foundation's String(format:).
    init(format4 value: Double) {
        let negative = value < 0
        let units = Int((abs(value) * 10_000).rounded())
        let whole = units / 10_000
        let fraction = units % 10_000
        var digits = String(fraction)
        while digits.count < 4 { digits = "0" + digits }
        self = (negative && units != 0 ? "-" : "") + "\(whole).\(digits)"
    }
}

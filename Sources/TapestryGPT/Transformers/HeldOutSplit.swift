// HeldOutSplit: a train/test split for generated toy data that never leaks.
//
// Toy tasks draw fresh random examples every step, so a test set drawn the same way would
// share examples with training (there are only 10³ strings of 3 letters from 10). Instead each
// sequence is assigned to a split by a hash of its tokens: training draws skip every test
// sequence, and test accuracy is measured only on sequences the model has never seen.
//   part(tokens) = test  when FNV-1a(tokens) mod 10 = 0      (about 10% of all sequences)
// FNV-1a (Fowler–Noll–Vo) is a fixed, platform-independent hash; Swift's `Hasher` is seeded per
// process and would move the split between runs.
// What it is not: a stratified split; the share is 10% of the space, not of any given draw.

/// Assigns a token sequence to the training or the held-out test split, by its content.
public enum HeldOutSplit {
    /// The two splits.
    public enum Part: Sendable { case train, test }

    /// 64-bit FNV-1a over the tokens (each as 8 little-endian bytes).
    public static func hash(_ tokens: [Int]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325                       // FNV offset basis
        for token in tokens {
            var value = UInt64(bitPattern: Int64(token))
            for _ in 0..<8 {
                hash = (hash ^ (value & 0xFF)) &* 0x0000_0100_0000_01B3   // FNV prime
                value >>= 8
            }
        }
        return hash
    }

    /// `.test` for about one sequence in ten, `.train` for the rest; the same on every run.
    public static func part(of tokens: [Int]) -> Part {
        hash(tokens) % 10 == 0 ? .test : .train
    }
}

// HeldOutSplit: the hash matches an independent FNV-1a (Python, 8 little-endian bytes per
// token), about a tenth of a space of sequences is held out, and the split is a pure function.

import Testing
import TapestryGPT

@Suite struct HeldOutSplitTests {
    @Test func hashIsFNV1aOverLittleEndianTokens() {
        // python3: h = 0xcbf29ce484222325; for b in b"".join(struct.pack("<q", t) for t in tokens):
        //          h = ((h ^ b) * 0x100000001b3) % 2**64
        #expect(HeldOutSplit.hash([]) == 0xCBF2_9CE4_8422_2325)
        #expect(HeldOutSplit.hash([2, 3, 4]) == 0x663C_34D2_1613_8680)
        #expect(HeldOutSplit.hash([-1]) == 0x8CF5_1A8B_FCA3_883D)
    }

    @Test func aboutOneSequenceInTenIsHeldOut() {
        // Every string of 3 tokens from 2..<14 (the seq2seq example's letters): 177 of 1728 (Python).
        var held = 0
        for a in 2..<14 { for b in 2..<14 { for c in 2..<14 where HeldOutSplit.part(of: [a, b, c]) == .test { held += 1 } } }
        #expect(held == 177)
        #expect(HeldOutSplit.part(of: [2, 3, 4]) == HeldOutSplit.part(of: [2, 3, 4]))
        #expect(HeldOutSplit.part(of: [2, 3, 4]) == .train)              // hash mod 10 = 2
    }
}

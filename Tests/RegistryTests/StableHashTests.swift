import Testing

@testable import Registry

// Reference values come from this Python twin of StableHash (run with python3):
//
//   M = (1 << 64) - 1
//   def fnv(b):
//       h = 0xcbf29ce484222325
//       for c in b: h ^= c; h = (h * 0x100000001b3) & M
//       return h
//   def fmix(k):
//       k ^= k >> 33; k = (k * 0xff51afd7ed558ccd) & M
//       k ^= k >> 33; k = (k * 0xc4ceb9fe1a85ec53) & M
//       k ^= k >> 33; return k
//   def h(s): return fmix(fnv(s.encode()))
//   for s in ["", "a", "ex-1", "ex-2", "examples/0/42", "héllo"]: print(repr(s), hex(fnv(s.encode())), hex(h(s)))
//
// FNV-1a 64 of "a" (0xaf63dc4c8601ec8c) is also the published FNV test vector. The Learner's holdout
// split (LearnerTests/HoldoutTests.swift) and TrainedIDsDigestTests build on `h`.

@Suite struct StableHashTests {
    @Test(arguments: [
        ("", 0xcbf2_9ce4_8422_2325 as UInt64, 0xefd0_1f60_ba99_2926 as UInt64),
        ("a", 0xaf63_dc4c_8601_ec8c, 0x82a2_a958_a9be_ce5b),
        ("ex-1", 0xe6d2_a060_8dd3_a00a, 0x7580_daea_6901_aa06),
        ("ex-2", 0xe6d2_9f60_8dd3_9e57, 0xdf91_0069_f0fa_9df7),
        ("examples/0/42", 0x0918_e0ef_a56b_0b28, 0x22b2_3a51_be90_192a),
        ("héllo", 0xa35f_f71f_9602_40e0, 0xc185_4127_47a0_264d),
    ])
    func goldenValues(input: String, fnv: UInt64, mixed: UInt64) {
        #expect(StableHash.fnv1a64(input.utf8) == fnv)
        #expect(StableHash.hash(input) == mixed)
    }

    @Test func unitIntervalUsesTop53Bits() {
        #expect(StableHash.unitInterval(0) == 0)
        #expect(StableHash.unitInterval(.max) < 1)
        #expect(StableHash.unitInterval(.max) == 1 - 0x1.0p-53)
        #expect(StableHash.unitInterval(1 << 63) == 0.5)
    }
}

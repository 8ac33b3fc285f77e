/// Stable, platform-independent 64-bit hashing for decisions that must survive restarts:
/// the ``TrainedIDsDigest`` persisted in every manifest and the Learner's holdout split.
///
/// It lives in Registry because the digest is part of the manifest format; the Learner
/// (which depends on Registry) uses the same function for its holdout split.
///
/// Swift's `Hasher` is seeded randomly per process, so it must never decide which
/// example is held out — a restart would move examples between the training set
/// and the holdout set and leak holdout data into training. These functions are
/// fixed forever: changing them changes every persisted digest and holdout split.
///
/// The hash of a key is FNV-1a 64 over its UTF-8 bytes, followed by the MurmurHash3
/// `fmix64` finalizer so that every output bit depends on every input bit (plain
/// FNV-1a leaves the low bits weakly mixed for keys that differ only at the end,
/// such as `ex-1`, `ex-2`, …). A Python twin lives in `Tests/RegistryTests/StableHashTests.swift`.
package enum StableHash {
    /// FNV-1a 64 offset basis.
    static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a 64 prime.
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a 64 of raw bytes.
    /// - Parameter bytes: the bytes to hash, in order.
    /// - Returns: the unfinalized FNV-1a 64 value.
    static func fnv1a64<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash = fnvOffsetBasis
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= fnvPrime
        }
        return hash
    }

    /// MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit over the output.
    static func fmix64(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    /// The stable hash of a string: `fmix64(fnv1a64(utf8))`.
    package static func hash(_ string: String) -> UInt64 {
        fmix64(fnv1a64(string.utf8))
    }

    /// Maps a hash to a uniform number in `[0, 1)` using its top 53 bits (exact in a `Double`).
    package static func unitInterval(_ hash: UInt64) -> Double {
        Double(hash >> 11) * 0x1.0p-53
    }
}

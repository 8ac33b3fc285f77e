/// An order-independent fingerprint of the set (multiset) of example ids a snapshot was trained on.
///
/// A crash test replays a stream, kills the agent anywhere, restarts it, and finally compares the
/// digest of the persisted state against the digest of "every example exactly once". Wrapping sum and
/// XOR of a 64-bit hash per id, plus a count, are cheap to update per example, independent of order,
/// and catch both a lost and a doubly-trained example (the count or the sum moves).
public struct TrainedIDsDigest: Hashable, Sendable, Codable {
    /// Number of ids inserted.
    public private(set) var count: Int
    /// Wrapping sum of the id hashes.
    public private(set) var sum: UInt64
    /// XOR of the id hashes.
    public private(set) var xor: UInt64

    public init() {
        count = 0
        sum = 0
        xor = 0
    }

    /// Adds one trained example.
    public mutating func insert(_ id: String) {
        let h = Self.hash(id)
        count += 1
        sum &+= h
        xor ^= h
    }

    /// Adds every example of another digest (e.g. to combine two partitions' digests).
    public mutating func merge(_ other: TrainedIDsDigest) {
        count += other.count
        sum &+= other.sum
        xor ^= other.xor
    }

    /// The digest of a whole collection of ids.
    public init<S: Sequence>(_ ids: S) where S.Element == String {
        self.init()
        for id in ids { insert(id) }
    }

    /// A stable 64-bit hash of an id: FNV-1a over the UTF-8 bytes, then the splitmix64 finalizer so
    /// that similar ids ("ex-1", "ex-2") spread over all bits. Stable across runs and platforms,
    /// unlike `Hasher`, because the digest is persisted.
    public static func hash(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        h ^= h >> 30
        h &*= 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27
        h &*= 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        return h
    }

    private enum CodingKeys: String, CodingKey { case count, sum, xor }

    /// Hashes are written as 16 hex digits: JSON numbers above 2^53 lose precision in many readers.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        sum = try Self.parseHex(c.decode(String.self, forKey: .sum), key: .sum, in: c)
        xor = try Self.parseHex(c.decode(String.self, forKey: .xor), key: .xor, in: c)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(Self.hex(sum), forKey: .sum)
        try c.encode(Self.hex(xor), forKey: .xor)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func parseHex(
        _ text: String, key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>
    ) throws -> UInt64 {
        guard let value = UInt64(text, radix: 16) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "'\(text)' is not a 64-bit hex number")
        }
        return value
    }
}

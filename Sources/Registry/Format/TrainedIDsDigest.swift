/// An order-independent fingerprint of the set (multiset) of example ids a snapshot was trained on.
///
/// It is persisted in every snapshot manifest (`trained_ids`) next to the offsets, so a crash test can
/// check the exactly-once promise: after kill -9 and restart, the digest of the newest durable version
/// must equal the digest of the ids the producer sent up to that version's offsets (minus the holdout
/// slice) — no example lost, none trained twice.
///
/// It holds the count plus the wrapping sum and the xor of each id's ``StableHash/hash(_:)``. Order
/// does not matter (both operations commute), so batches and replays after a restart may arrive in any
/// interleaving. A duplicate changes the count and the sum; a substitution changes sum and xor. It is a
/// checksum, not a proof: accidental collisions have probability about 2⁻⁶⁴ per comparison.
package struct TrainedIDsDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Number of ids inserted.
    package private(set) var count: Int
    /// Wrapping sum of the id hashes.
    package private(set) var sum: UInt64
    /// XOR of the id hashes.
    private(set) var xor: UInt64

    /// The digest of no examples.
    package init() {
        count = 0
        sum = 0
        xor = 0
    }

    /// The digest of a whole collection of ids.
    package init<S: Sequence>(_ ids: S) where S.Element == String {
        self.init()
        for id in ids { insert(id) }
    }

    /// Adds one trained example.
    package mutating func insert(_ id: String) {
        insert(hash: StableHash.hash(id))
    }

    /// Adds one trained example by its precomputed ``StableHash/hash(_:)``.
    package mutating func insert(hash: UInt64) {
        count += 1
        sum &+= hash
        xor ^= hash
    }

    /// Adds every example of another digest (e.g. to combine two partitions' digests).
    package mutating func merge(_ other: TrainedIDsDigest) {
        count += other.count
        sum &+= other.sum
        xor ^= other.xor
    }

    /// The digest of two disjoint batches together (e.g. a version's digest plus a new batch).
    package func merged(with other: TrainedIDsDigest) -> TrainedIDsDigest {
        var result = self
        result.merge(other)
        return result
    }

    /// Compact text form for logs: `count:sum:xor` with 16-digit hex hashes.
    package var description: String {
        "\(count):\(Self.hex(sum)):\(Self.hex(xor))"
    }

    private enum CodingKeys: String, CodingKey { case count, sum, xor }

    /// Hashes are written as 16 hex digits: JSON numbers above 2^53 lose precision in many readers.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        sum = try Self.parseHex(c.decode(String.self, forKey: .sum), key: .sum, in: c)
        xor = try Self.parseHex(c.decode(String.self, forKey: .xor), key: .xor, in: c)
    }

    package func encode(to encoder: any Encoder) throws {
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

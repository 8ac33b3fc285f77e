/// An order-independent fingerprint of the set (multiset) of trained example ids.
///
/// It is persisted in every snapshot manifest next to the offsets, so a crash test can
/// check the exactly-once promise of §6: after kill -9 and restart, the digest of the
/// newest durable version must equal ``TrainedDigest/of(_:)`` of the ids the producer sent
/// up to that version's offsets (minus the holdout slice) — no example lost, none trained twice.
///
/// It holds the count plus the wrapping sum and the xor of each id's ``StableHash``.
/// Order does not matter (both operations commute), so batches and replays after a
/// restart may arrive in any interleaving. A duplicate changes the count and the sum;
/// a substitution changes sum and xor. It is a checksum, not a proof: accidental
/// collisions have probability about 2⁻⁶⁴ per comparison.
public struct TrainedDigest: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Number of ids folded in.
    public private(set) var count: UInt64
    /// Wrapping sum of the ids' stable hashes.
    public private(set) var sum: UInt64
    /// Xor of the ids' stable hashes.
    public private(set) var xor: UInt64

    /// The digest of no examples.
    public init() {
        count = 0
        sum = 0
        xor = 0
    }

    /// Rebuilds a digest from persisted fields.
    public init(count: UInt64, sum: UInt64, xor: UInt64) {
        self.count = count
        self.sum = sum
        self.xor = xor
    }

    /// Folds in one trained example.
    public mutating func insert(_ key: ExampleKey) {
        insert(hash: key.stableHash)
    }

    /// Folds in one trained example id (same as `insert(.id(id))`).
    public mutating func insert(id: String) {
        insert(hash: StableHash.hash(id))
    }

    /// Folds in a precomputed stable hash.
    public mutating func insert(hash: UInt64) {
        count &+= 1
        sum &+= hash
        xor ^= hash
    }

    /// The digest of two disjoint batches together (e.g. a version's digest plus a new batch).
    public func merged(with other: TrainedDigest) -> TrainedDigest {
        TrainedDigest(count: count &+ other.count, sum: sum &+ other.sum, xor: xor ^ other.xor)
    }

    /// The digest of an expected collection of example keys, for crash and replay checks.
    public static func of<Keys: Sequence>(_ keys: Keys) -> TrainedDigest where Keys.Element == ExampleKey {
        var digest = TrainedDigest()
        for key in keys { digest.insert(key) }
        return digest
    }

    /// The digest of an expected collection of example ids.
    public static func of<Ids: Sequence>(ids: Ids) -> TrainedDigest where Ids.Element == String {
        var digest = TrainedDigest()
        for id in ids { digest.insert(id: id) }
        return digest
    }

    /// Compact text form for manifests and logs: `count:sum:xor` with 16-digit hex hashes.
    public var description: String {
        "\(count):\(hex16(sum)):\(hex16(xor))"
    }

    /// Parses ``description``'s form.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let count = UInt64(parts[0]),
              parts[1].count == 16, let sum = UInt64(parts[1], radix: 16),
              parts[2].count == 16, let xor = UInt64(parts[2], radix: 16)
        else { return nil }
        self.init(count: count, sum: sum, xor: xor)
    }

    // Encoded as the text form: JSON numbers above 2^53 lose precision in many readers.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = TrainedDigest(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "trained digest must be count:sum16hex:xor16hex, got \"\(text)\"")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

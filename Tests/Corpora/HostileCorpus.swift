import Checksum
import Stream

/// A record a hostile or careless producer might send, and how a pipeline whose model reads
/// text must dead-letter it.
package struct HostileRecord: Sendable {
    package let name: String
    package let key: [UInt8]?
    /// nil: a tombstone (null value).
    package let value: [UInt8]?
    package let reason: RejectReason
    /// Whether the dead letter is too large for the DLQ producer and comes back cut
    /// (its original size and sha256 in headers).
    let truncated: Bool

    init(_ name: String, key: [UInt8]? = nil, value: [UInt8]?, _ reason: RejectReason, truncated: Bool = false) {
        self.name = name
        self.key = key
        self.value = value
        self.reason = reason
        self.truncated = truncated
    }
}

/// Every kind of bad record the pipeline must dead-letter (≥ 60 kinds): the decoder's malformed
/// corpus plus what only the pipeline's settings decide (no features input, the 64 KiB limit,
/// tombstones, dead letters larger than the DLQ producer accepts).
package enum HostileCorpus {
    /// A valid JSON example value padded with `text` to exactly `size` bytes.
    package static func example(bytes size: Int) -> [UInt8] {
        let prefix = Array(#"{"label":"b","text":""#.utf8), suffix = Array(#""}"#.utf8)
        return prefix + [UInt8](repeating: UInt8(ascii: "x"), count: size - prefix.count - suffix.count) + suffix
    }

    package static let records: [HostileRecord] = MalformedCorpus.cases.map {
        HostileRecord($0.name, key: $0.key, value: $0.value, $0.reason)
    } + [
        HostileRecord("tombstone", value: nil, .tombstone),
        HostileRecord("keyed tombstone", key: Array("default".utf8), value: nil, .tombstone),
        HostileRecord("features only", value: Array(#"{"features":[0.5,1,2],"label":"b"}"#.utf8), .unsupportedInput),
        HostileRecord("features with a key", key: Array("default".utf8), value: Array(#"{"features":[1],"label":"b","id":"f"}"#.utf8), .unsupportedInput),
        HostileRecord("64 KiB + 1 byte", value: example(bytes: 65_537), .tooLarge),
        HostileRecord("65 KiB", value: example(bytes: 66_560), .tooLarge),
        HostileRecord("2 MB value", value: example(bytes: 2_000_000), .tooLarge, truncated: true),
        HostileRecord("2 MB key", key: [UInt8](repeating: UInt8(ascii: "k"), count: 2_000_000),
                      value: Array(#"{"text":"a","label":"b"}"#.utf8), .invalidKey, truncated: true),
    ]
}

extension HostileRecord {
    /// What is wrong with `letter` as this record's dead letter (empty: nothing): it must hold the
    /// exact key and value (a tombstone stays null), or for a record too large for the DLQ their
    /// first bytes plus headers with the original size and sha256, and carry this record's reason.
    package func problems(with letter: KafkaMessage) -> [String] {
        var problems: [String] = []
        func check(_ ok: Bool, _ what: @autoclosure () -> String) { if !ok { problems.append("\(name): \(what())") } }
        check(letter.headers.text(DeadLetterWriter.Header.reason) == reason.rawValue,
              "reason \(letter.headers.text(DeadLetterWriter.Header.reason) ?? "none"), expected \(reason.rawValue)")
        check(letter.headers.text(DeadLetterWriter.Header.detail)?.isEmpty == false, "no detail")
        check(letter.isTombstone == (value == nil), "tombstone \(letter.isTombstone), expected \(value == nil)")
        let cut = Set((letter.headers.text(DeadLetterWriter.Header.truncated) ?? "").split(separator: ",").map(String.init))
        check(cut.isEmpty != truncated, "truncated parts \(cut.sorted())")
        let parts: [(part: String, original: [UInt8]?, kept: [UInt8]?, size: String, sha: String)] = [
            ("value", value, value == nil ? nil : letter.value,
             DeadLetterWriter.Header.originalValueSize, DeadLetterWriter.Header.originalValueSHA256),
            ("key", key, letter.key, DeadLetterWriter.Header.originalKeySize, DeadLetterWriter.Header.originalKeySHA256),
        ]
        for part in parts {
            guard cut.contains(part.part), let original = part.original else {
                check(part.kept == part.original, "\(part.part) is not byte-identical")
                continue
            }
            let kept = part.kept ?? []
            check(kept.count < original.count && Array(original.prefix(kept.count)) == kept, "\(part.part) is not a prefix")
            check(letter.headers.text(part.size) == String(original.count), "\(part.part) size header")
            check(letter.headers.text(part.sha) == SHA256.hex(original), "\(part.part) sha256 header")
        }
        return problems
    }
}

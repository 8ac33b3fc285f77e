/// One labelled training example, as decoded from a Kafka record.
///
/// Wire format (JSON object, UTF-8, ≤ 64 KiB by default):
///
///     {"text": "…" | "features": [number, …], "label": "…" | integer,
///      "id"?: "…", "ts"?: number, "weight"?: number}
///
/// The record key, when present, names the adapter the example trains (absent → default adapter).
package struct Example: Sendable, Equatable {
    /// What the model sees: raw text for the encoder, or a precomputed feature vector.
    package enum Input: Sendable, Equatable {
        case text(String)
        case features([Float])
    }

    package var input: Input
    /// The class label; integer labels are kept as their decimal text ("3"), since
    /// label vocabularies are strings.
    package var label: String
    /// Producer-assigned id (used for the deterministic holdout split when present).
    package var id: String?
    /// Producer timestamp, in whatever unit the producer chose (not interpreted here).
    var timestamp: Double?
    /// Loss weight, finite, > 0 and ≤ the decoder's `maxWeight`; 1 when absent.
    package var weight: Double
    /// Adapter named by the record key; nil → the default adapter.
    package var adapter: String?

    package init(input: Input, label: String, id: String? = nil, timestamp: Double? = nil,
                weight: Double = 1, adapter: String? = nil) {
        self.input = input
        self.label = label
        self.id = id
        self.timestamp = timestamp
        self.weight = weight
        self.adapter = adapter
    }

    /// The text, when the input is text.
    package var text: String? {
        if case .text(let text) = input { return text }
        return nil
    }
}

/// Why a record was refused; written to the DLQ as `streamlora.error.reason`.
package enum RejectReason: String, Sendable, CaseIterable, Codable {
    case tooLarge = "too_large"
    case invalidUTF8 = "invalid_utf8"
    case invalidJSON = "invalid_json"
    /// Valid JSON, but not an object, or a field of the wrong JSON type.
    case wrongType = "wrong_type"
    case missingField = "missing_field"
    case duplicateField = "duplicate_field"
    /// Only when `ExampleDecoder.rejectUnknownFields` is on (default: unknown fields are ignored).
    case unknownField = "unknown_field"
    /// Text empty or only whitespace.
    case emptyText = "empty_text"
    case emptyFeatures = "empty_features"
    case emptyLabel = "empty_label"
    case textAndFeatures = "text_and_features"
    case noTextOrFeatures = "no_text_or_features"
    /// NaN/Infinity tokens, or numbers that overflow (a feature beyond `Float`'s range).
    case nonFiniteNumber = "non_finite_number"
    /// Finite but not allowed (integer label beyond 64 bits, a label longer than the limit).
    case outOfRange = "out_of_range"
    /// The record key is not an adapter name: not UTF-8, longer than 128 characters, or holding
    /// anything but ASCII letters, digits, `-`, `_`, `.` (no leading `.`), so never a path like `../x`.
    case invalidKey = "invalid_key"
    /// `weight` is ≤ 0 or above the configured maximum: such a weight either teaches nothing or
    /// blows the loss up to a non-finite value that would poison the whole micro-batch.
    case invalidWeight = "invalid_weight"
    /// An input the model cannot read (a `features` vector while the pipeline's model reads text).
    case unsupportedInput = "unsupported_input"
    /// A record with a null value (a compaction tombstone): there is no example in it.
    case tombstone = "tombstone"
}

/// A refused record: the reason code plus a human-readable detail naming the field.
package struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    let reason: RejectReason
    let detail: String

    init(_ reason: RejectReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    package var description: String { "\(reason.rawValue): \(detail)" }
}

/// Decodes and validates `Example` records with a hand-written, single-pass JSON scanner.
///
/// Foundation's `JSONSerialization`/`JSONDecoder` allocate a dictionary or a decoder
/// container per record and cannot report the precise reasons the DLQ needs; this
/// scanner checks size, UTF-8 and grammar once, reads only the known fields, and
/// names the first problem it meets.
///
/// The decoder is the one place that decides whether a record is usable: everything it
/// accepts the learner can train on (a valid adapter name, an input the model reads, a
/// weight that cannot overflow the loss), so every other record goes to the DLQ with a
/// reason instead of being dropped further down.
///
/// Unknown fields are ignored by default (tolerant reader: producers may add metadata
/// without breaking consumers; typos in required fields still fail as `missing_field`).
/// Set `rejectUnknownFields` for a strict schema.
package struct ExampleDecoder: Sendable {
    /// Largest accepted record value, in bytes (default 64 KiB); larger values are refused as `too_large`.
    package var maxValueBytes: Int
    var rejectUnknownFields: Bool
    /// Whether a `features` vector is a usable input; a pipeline whose model reads text sets
    /// this to false, so features-only records are dead-lettered as `unsupported_input`.
    package var acceptsFeatures: Bool
    /// Largest accepted `weight` (weights must also be finite and > 0).
    package var maxWeight: Double
    /// Longest accepted label, in UTF-8 bytes (labels are stored in every manifest).
    var maxLabelBytes: Int

    package init(maxValueBytes: Int = 64 * 1024, rejectUnknownFields: Bool = false, acceptsFeatures: Bool = true,
                maxWeight: Double = 100, maxLabelBytes: Int = 256) {
        self.maxValueBytes = maxValueBytes
        self.rejectUnknownFields = rejectUnknownFields
        self.acceptsFeatures = acceptsFeatures
        self.maxWeight = maxWeight
        self.maxLabelBytes = maxLabelBytes
    }

    /// Decodes a record: the value is the example, the key names the adapter (no key or an
    /// empty key: the default adapter).
    package func decode(key: [UInt8]?, value: [UInt8]) -> Result<Example, Rejection> {
        var adapter: String?
        if let key, !key.isEmpty {
            guard let name = String(validating: key, as: UTF8.self) else {
                return .failure(Rejection(.invalidKey, "record key is not valid UTF-8"))
            }
            if let problem = AdapterName.problem(name) { return .failure(Rejection(.invalidKey, problem)) }
            adapter = name
        }
        return value.withUnsafeBytes { bytes in
            decode(bytes).map { example in
                var example = example
                example.adapter = adapter
                return example
            }
        }
    }

    package func decode(_ message: KafkaMessage) -> Result<Example, Rejection> {
        if message.isTombstone { return .failure(Rejection(.tombstone, "the record's value is null")) }
        return decode(key: message.key, value: message.value)
    }

    /// Decodes a record value (no adapter).
    package func decode(_ bytes: UnsafeRawBufferPointer) -> Result<Example, Rejection> {
        guard bytes.count <= maxValueBytes else {
            return .failure(Rejection(.tooLarge, "value is \(bytes.count) bytes, limit is \(maxValueBytes)"))
        }
        if let bad = UTF8Check.firstInvalidByte(bytes) {
            return .failure(Rejection(.invalidUTF8, "invalid UTF-8 at byte \(bad)"))
        }
        var scanner = JSONScanner(bytes)
        do {
            return .success(try readExample(&scanner))
        } catch let rejection as Rejection {
            // A field error in a document that is not even JSON is reported as invalid JSON.
            if rejection.reason != .invalidJSON {
                var check = JSONScanner(bytes)
                do { try check.validateDocument() } catch let syntax as Rejection { return .failure(syntax) } catch {}
            }
            return .failure(rejection)
        } catch {
            return .failure(Rejection(.invalidJSON, "\(error)"))
        }
    }

    private func readExample(_ s: inout JSONScanner) throws -> Example {
        var text: String?
        var features: [Float]?
        var label: String?
        var id: String?
        var ts: Double?
        var weight: Double?
        var seen: UInt8 = 0   // bit per ExampleField: no Set allocation per record

        s.skipWhitespace()
        guard s.peek() == UInt8(ascii: "{") else {
            if s.atEnd { throw Rejection(.invalidJSON, "empty value") }
            try s.skipValue()
            try s.expectEnd()
            throw Rejection(.wrongType, "value must be a JSON object")
        }
        try s.readObject { key, s in
            guard let field = ExampleField(key) else {
                if rejectUnknownFields { throw Rejection(.unknownField, "unknown field '\(key.text)'") }
                try s.skipValue()
                return
            }
            guard seen & field.bit == 0 else { throw Rejection(.duplicateField, "field '\(field.rawValue)' appears twice") }
            seen |= field.bit
            if s.peekNull() {
                guard field.optional else { throw Rejection(.wrongType, "field '\(field.rawValue)' must not be null") }
                try s.readNull()
                return
            }
            switch field {
            case .text: text = try s.readString(field: "text")
            case .features: features = try readFeatures(&s)
            case .label: label = try readLabel(&s)
            case .id: id = try s.readString(field: "id")
            case .ts: ts = try s.readFiniteNumber(field: "ts")
            case .weight: weight = try readWeight(&s)
            }
        }
        try s.expectEnd()

        let input: Example.Input
        switch (text, features) {
        case (.some, .some): throw Rejection(.textAndFeatures, "give either 'text' or 'features', not both")
        case (nil, nil): throw Rejection(.noTextOrFeatures, "one of 'text' or 'features' is required")
        case (let text?, nil):
            guard text.utf8.contains(where: { !JSONScanner.isWhitespace($0) }) else {
                throw Rejection(.emptyText, "'text' is empty")
            }
            input = .text(text)
        case (nil, let features?):
            guard acceptsFeatures else {
                throw Rejection(.unsupportedInput, "this pipeline's model reads 'text'; 'features' vectors are not an input it can use")
            }
            input = .features(features)
        }
        guard let label else { throw Rejection(.missingField, "field 'label' is required") }
        return Example(input: input, label: label, id: id, timestamp: ts, weight: weight ?? 1)
    }

    private func readLabel(_ s: inout JSONScanner) throws -> String {
        if s.peek() == UInt8(ascii: "\"") {
            let label = try s.readString(field: "label")
            guard !label.isEmpty else { throw Rejection(.emptyLabel, "'label' is empty") }
            guard label.utf8.count <= maxLabelBytes else {
                throw Rejection(.outOfRange, "'label' is \(label.utf8.count) bytes, limit is \(maxLabelBytes)")
            }
            return label
        }
        guard let number = try s.readNumberToken(field: "label") else {
            throw Rejection(.wrongType, "'label' must be a string or an integer")
        }
        let text = s.text(number.range)
        guard number.isInteger else { throw Rejection(.wrongType, "'label' must be a string or an integer, got \(text)") }
        guard let value = Int64(text) else { throw Rejection(.outOfRange, "integer 'label' \(text) exceeds 64 bits") }
        return String(value)
    }

    /// A weight must be a finite number in (0, maxWeight]; anything else is `invalid_weight`.
    private func readWeight(_ s: inout JSONScanner) throws -> Double {
        let weight: Double
        do { weight = try s.readFiniteNumber(field: "weight") } catch let r as Rejection where r.reason == .nonFiniteNumber {
            throw Rejection(.invalidWeight, r.detail)
        }
        guard weight > 0, weight <= maxWeight else {
            throw Rejection(.invalidWeight, "'weight' must be > 0 and ≤ \(maxWeight), got \(weight)")
        }
        return weight
    }

    private func readFeatures(_ s: inout JSONScanner) throws -> [Float] {
        guard s.peek() == UInt8(ascii: "[") else {
            try s.skipValue()
            throw Rejection(.wrongType, "'features' must be an array of numbers")
        }
        var values: [Float] = []
        try s.readArray { s in
            let value = try s.readFiniteNumber(field: "features[\(values.count)]")
            guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw Rejection(.nonFiniteNumber, "'features[\(values.count)]' = \(value) overflows Float")
            }
            values.append(Float(value))
        }
        guard !values.isEmpty else { throw Rejection(.emptyFeatures, "'features' is empty") }
        return values
    }
}

/// The fields the schema knows.
private enum ExampleField: String, Hashable {
    case text, features, label, id, ts, weight

    var optional: Bool { self == .id || self == .ts || self == .weight }

    var bit: UInt8 {
        switch self {
        case .text: 1
        case .features: 2
        case .label: 4
        case .id: 8
        case .ts: 16
        case .weight: 32
        }
    }

    init?(_ key: JSONScanner.Key) {
        switch key.text {
        case "text": self = .text
        case "features": self = .features
        case "label": self = .label
        case "id": self = .id
        case "ts": self = .ts
        case "weight": self = .weight
        default: return nil
        }
    }
}

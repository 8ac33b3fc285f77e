import API
import Foundation

/// JSON bodies of the POST routes, decoded strictly: an unknown field, a wrong type or a missing
/// field is refused with a message naming the field (`ControlPlaneError.badRequest`).
///
/// Unknown fields are refused rather than ignored because a typo such as `"reson"` would
/// otherwise silently drop the operator's reason from the journal.
struct PredictBody: Decodable {
    var adapter: String?
    var text: String?
    var texts: [String]?
    /// Many requests in one body, each naming its own adapter (`{"requests": [{"adapter": …,
    /// "text": …}, …]}`); the server batches them across adapters.
    var requests: [PredictBody]?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case adapter, text, texts, requests
    }

    init(from decoder: any Decoder) throws {
        try rejectUnknownFields(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        adapter = try c.decodeIfPresent(String.self, forKey: .adapter)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        do {
            texts = try c.decodeIfPresent([String].self, forKey: .texts)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.count == 1 {
            throw ControlPlaneError.badRequest("field 'texts' must be an array of strings")
        }
        requests = try c.decodeIfPresent([PredictBody].self, forKey: .requests)
    }

    /// The requests of a `requests` body, each validated; nil for a single-request body.
    /// - Parameter maxTexts: the largest number of texts accepted over all requests.
    func validatedList(maxTexts: Int) throws(ControlPlaneError) -> [PredictRequest]? {
        guard let requests else { return nil }
        guard adapter == nil, text == nil, texts == nil else {
            throw .badRequest("give field 'requests' alone, or 'adapter' with 'text'/'texts', not both")
        }
        guard !requests.isEmpty else { throw .badRequest("field 'requests' must not be an empty array") }
        var list: [PredictRequest] = [], total = 0
        for (i, r) in requests.enumerated() {
            guard r.requests == nil else { throw .badRequest("field 'requests[\(i)]' must not hold 'requests'") }
            let one: PredictRequest
            do { one = try r.validated(maxTexts: maxTexts) } catch { throw .badRequest("requests[\(i)]: \(error.message)") }
            total += one.texts.count
            guard total <= maxTexts else {
                throw .badRequest("field 'requests' holds more than \(maxTexts) texts; at most \(maxTexts) are accepted per request")
            }
            list.append(one)
        }
        return list
    }

    /// Checks the combination of fields and returns what the control plane receives.
    /// - Parameter maxTexts: the largest batch accepted.
    func validated(maxTexts: Int) throws(ControlPlaneError) -> PredictRequest {
        if let adapter { try validateAdapterName(adapter, field: "adapter") }
        let list: [String]
        switch (text, texts) {
        case (.some, .some):
            throw .badRequest("give either field 'text' or field 'texts', not both")
        case (nil, nil):
            throw .badRequest("missing field 'text' (one string) or 'texts' (an array of strings)")
        case (let one?, nil):
            guard !one.allSatisfy(\.isWhitespace) else { throw .badRequest("field 'text' must not be empty") }
            list = [one]
        case (nil, let many?):
            guard !many.isEmpty else { throw .badRequest("field 'texts' must not be an empty array") }
            guard many.count <= maxTexts else {
                throw .badRequest("field 'texts' has \(many.count) entries; at most \(maxTexts) are accepted per request")
            }
            if let blank = many.firstIndex(where: { $0.allSatisfy(\.isWhitespace) }) {
                throw .badRequest("field 'texts[\(blank)]' must not be empty")
            }
            list = many
        }
        return PredictRequest(adapter: adapter, texts: list)
    }
}

/// `POST /v1/adapters/{name}/promote`: `{"version": "000042", "reason": "…"}`. The version may
/// also be a JSON integer (`42`). Encodable too: `ControlPlaneClient` sends it.
struct PromoteBody: Codable, Sendable {
    var version: String
    var reason: String?

    init(version: String, reason: String?) {
        self.version = version
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case version, reason
    }

    init(from decoder: any Decoder) throws {
        try rejectUnknownFields(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.contains(.version) else {
            throw ControlPlaneError.badRequest("missing field 'version' (e.g. {\"version\": \"000042\"})")
        }
        version = try decodeVersion(c, .version)
        reason = try decodeReason(c, .reason)
    }
}

/// `POST /v1/adapters/{name}/rollback`: `{"to": "000041", "reason": "…"}`; both optional, an
/// empty body rolls back to the previous good version. Encodable too: `ControlPlaneClient` sends it.
struct RollbackBody: Codable, Sendable {
    var to: String?
    var reason: String?

    init(to: String?, reason: String?) {
        self.to = to
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case to, reason
    }

    init() {}

    init(from decoder: any Decoder) throws {
        try rejectUnknownFields(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // `decodeNil(forKey:)` throws for an absent key: a body with only a reason must still mean
        // "the previous good version".
        to = try !c.contains(.to) || c.decodeNil(forKey: .to) ? nil : decodeVersion(c, .to)
        reason = try decodeReason(c, .reason)
    }
}

/// Longest accepted `reason`; it ends up in the journal and in logs.
let maxReasonLength = 1_000

/// Adapter names as the registry accepts them: letters, digits, `-`, `_`, `.`, not starting
/// with `.`, at most 128 characters.
func validateAdapterName(_ name: String, field: String) throws(ControlPlaneError) {
    let allowed = name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
            || $0 == "-" || $0 == "_" || $0 == "."
    }
    guard !name.isEmpty, name.count <= 128, allowed, !name.hasPrefix(".") else {
        throw .badRequest("invalid \(field) '\(name)': use 1-128 letters, digits, '-', '_' and '.', not starting with '.'")
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private func rejectUnknownFields(in decoder: any Decoder, allowed: [String]) throws {
    let all = try decoder.container(keyedBy: AnyKey.self)
    if let unknown = all.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
        throw ControlPlaneError.badRequest(
            "unknown field '\(unknown)' (expected: \(allowed.map { "'\($0)'" }.joined(separator: ", ")))")
    }
}

/// A version written as a string (`"000042"`) or an integer (`42`), passed on as text.
private func decodeVersion<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> String {
    let text: String
    if let s = try? c.decode(String.self, forKey: key) {
        text = s
    } else if let n = try? c.decode(Int.self, forKey: key) {
        text = String(n)
    } else {
        throw ControlPlaneError.badRequest("field '\(key.stringValue)' must be a version like \"000042\"")
    }
    guard !text.isEmpty, text.count <= 32 else {
        throw ControlPlaneError.badRequest("field '\(key.stringValue)' must be a version like \"000042\"")
    }
    return text
}

private func decodeReason<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> String? {
    guard let reason = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
    guard reason.count <= maxReasonLength else {
        throw ControlPlaneError.badRequest("field '\(key.stringValue)' is longer than \(maxReasonLength) characters")
    }
    let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed.isEmpty ? nil : trimmed
}

import API
import Foundation
import Monitor

/// One typed call per control-plane route, decoding the same API types the server encodes.
extension ControlPlaneClient {
    /// A decoded answer together with the response it came from, for callers that also want
    /// the server's own bytes (`streamlora status --json` prints them unchanged).
    package struct Fetched<Value: Sendable>: Sendable {
        package var value: Value
        package var response: ControlPlaneHTTPResponse
    }

    /// `GET /v1/status`.
    package func status() async throws(ControlPlaneClientError) -> AgentStatus {
        try await get(AgentStatus.self, Self.statusPath).value
    }

    /// `GET /v1/drift[?adapter=]`: every adapter's report, or just `adapter`'s.
    package func drift(adapter: String? = nil) async throws(ControlPlaneClientError) -> DriftList {
        try await get(DriftList.self, Self.driftPath(adapter: adapter)).value
    }

    /// `GET /v1/adapters`.
    package func adapters() async throws(ControlPlaneClientError) -> AdapterList {
        try await get(AdapterList.self, "/v1/adapters").value
    }

    /// `GET /v1/adapters/{name}`: the adapter and its versions.
    package func adapter(_ name: String) async throws(ControlPlaneClientError) -> AdapterDetail {
        try await get(AdapterDetail.self, "/v1/adapters/" + Self.escape(name)).value
    }

    /// `GET /healthz`: true when the process answers 200.
    func isAlive() async throws(ControlPlaneClientError) -> Bool {
        try await send("GET", "/healthz").status == 200
    }

    /// `GET /readyz`: 200 → true, 503 → false; any other status throws.
    func isReady() async throws(ControlPlaneClientError) -> Bool {
        let response = try await send("GET", "/readyz")
        switch response.status {
        case 200: return true
        case 503: return false
        default:
            throw .status(method: "GET", url: url("/readyz"), code: response.status, reason: response.reason,
                          message: Self.errorMessage(of: response))
        }
    }

    /// `GET /metrics`: the Prometheus text exposition.
    package func metrics() async throws(ControlPlaneClientError) -> String {
        try await sendExpectingSuccess("GET", "/metrics").text
    }

    /// `POST /v1/predict` with `texts` (one or more), using `adapter` or the default adapter.
    package func predict(_ texts: [String], adapter: String? = nil) async throws(ControlPlaneClientError) -> PredictResponse {
        struct Body: Encodable {
            var adapter: String?
            var texts: [String]
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(adapter, forKey: .adapter)
                try c.encode(texts, forKey: .texts)
            }
            enum CodingKeys: String, CodingKey { case adapter, texts }
        }
        return try await post(PredictResponse.self, "/v1/predict", Body(adapter: adapter, texts: texts), authorized: false)
    }

    /// `POST /v1/adapters/{name}/promote` with the bearer token.
    /// - Parameters:
    ///   - version: e.g. `000042` or `42`.
    ///   - reason: journaled by the agent.
    package func promote(adapter: String, version: String,
                        reason: String? = nil) async throws(ControlPlaneClientError) -> MutationResponse {
        return try await post(MutationResponse.self, "/v1/adapters/\(Self.escape(adapter))/promote",
                              PromoteBody(version: version, reason: reason), authorized: true)
    }

    /// `POST /v1/adapters/{name}/rollback` with the bearer token; `to` nil rolls back to the
    /// previous good version.
    package func rollback(adapter: String, to version: String? = nil,
                         reason: String? = nil) async throws(ControlPlaneClientError) -> MutationResponse {
        return try await post(MutationResponse.self, "/v1/adapters/\(Self.escape(adapter))/rollback",
                              RollbackBody(to: version, reason: reason), authorized: true)
    }

    /// GETs `path` and decodes a 2xx answer as `type`.
    /// - Throws: `.status` for a non-2xx answer, `.undecodable` naming the field that failed.
    package func get<T: Decodable & Sendable>(_ type: T.Type, _ path: String) async throws(ControlPlaneClientError) -> Fetched<T> {
        let response = try await sendExpectingSuccess("GET", path)
        return Fetched(value: try decode(type, from: response, path: path), response: response)
    }

    /// `/v1/status`.
    package static let statusPath = "/v1/status"

    /// `/v1/drift`, with `?adapter=` when one is named.
    package static func driftPath(adapter: String?) -> String {
        adapter.map { "/v1/drift?adapter=" + escape($0) } ?? "/v1/drift"
    }

    // MARK: Internals

    private func post<T: Decodable & Sendable>(_ type: T.Type, _ path: String, _ body: some Encodable,
                                               authorized: Bool) async throws(ControlPlaneClientError) -> T {
        // The bodies hold strings only, so encoding cannot fail; an empty body would be refused
        // by the server with a clear 400 anyway.
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        let response = try await sendExpectingSuccess("POST", path, body: Array(data), authorized: authorized)
        return try decode(type, from: response, path: path)
    }

    private func decode<T: Decodable>(_ type: T.Type, from response: ControlPlaneHTTPResponse,
                                      path: String) throws(ControlPlaneClientError) -> T {
        do {
            return try Self.makeDecoder().decode(type, from: Data(response.body))
        } catch let error as DecodingError {
            throw .undecodable(url: url(path), type: String(describing: type), detail: Self.describe(error))
        } catch {
            throw .undecodable(url: url(path), type: String(describing: type), detail: "\(error)")
        }
    }

    /// Mirrors the server's encoder (`JSONResponse.makeEncoder`): ISO-8601 dates, non-finite
    /// numbers as strings.
    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    /// What failed to decode, with the field path (`adapters[0].prequential.window`).
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : "." + key.stringValue }
            }
            return out.isEmpty ? "the top level" : "field '\(out)'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not \(type) (\(context.debugDescription))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(type)"
        case .keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case .dataCorrupted(let context):
            let detail = context.underlyingError.map { ": \($0)" } ?? ""
            return context.codingPath.isEmpty ? "not valid JSON\(detail)" : "\(path(context.codingPath)) is invalid: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// Percent-encodes a path segment or query value (adapter names are plain already; this
    /// keeps a stray character from changing the request line).
    static func escape(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension ControlPlaneClient {
    /// `GET /metrics`, parsed into samples.
    /// - Throws: `.undecodable` when a line is not a Prometheus sample.
    package func metricSamples() async throws(ControlPlaneClientError) -> [MetricSample] {
        let text = try await metrics()
        do {
            return try MetricSample.parse(text)
        } catch {
            throw .undecodable(url: url("/metrics"), type: "Prometheus text", detail: error.description)
        }
    }
}

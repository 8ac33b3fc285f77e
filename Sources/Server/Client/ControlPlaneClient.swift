import Threads
import Foundation

/// Talks to a running agent's control plane (`streamlora serve`, `streamlora demo`) over
/// HTTP/1.1: what `streamlora status` and `streamlora drift` use, and what scripts in Swift can.
///
/// One TCP connection per request (`Connection: close`): the questions are few and small, and
/// a fresh connection never inherits a half-read answer. Each request runs on a thread of its
/// own, never on Swift's cooperative pool, and gives up after `timeout`.
///
///     let client = try ControlPlaneClient(url: "http://127.0.0.1:8080")
///     let status = try await client.status()
package struct ControlPlaneClient: Sendable {
    /// Where an agent listens unless told otherwise (`ServerConfiguration`'s default).
    package static let defaultURL = "http://127.0.0.1:8080"

    /// The base URL as given, without a trailing slash, e.g. `http://127.0.0.1:8080`.
    package let baseURL: String
    /// Bearer token for promote and rollback; nil sends no `Authorization` header.
    package var token: String?
    /// The longest a request may take, connect to last byte.
    package var timeout: Duration
    /// The largest answer accepted.
    var maxResponseBytes: Int = 32 << 20

    private let host: String
    private let port: Int
    private let pathPrefix: String

    /// - Parameters:
    ///   - url: `http://host[:port][/prefix]`; a bare `host:port` means `http://host:port`.
    ///   - token: bearer token for mutations.
    ///   - timeout: per request.
    /// - Throws: `ControlPlaneClientError.invalidURL` naming what is wrong with `url`.
    package init(url: String, token: String? = nil, timeout: Duration = .seconds(10)) throws(ControlPlaneClientError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        let full = trimmed.contains("://") ? trimmed : "http://" + trimmed
        guard let components = URLComponents(string: full), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL(url, reason: "not a URL")
        }
        guard scheme == "http" else {
            throw .invalidURL(url, reason: "scheme '\(scheme)' is not supported; the control plane speaks plain http (put TLS in a proxy in front of it)")
        }
        guard var host = components.host, !host.isEmpty else { throw .invalidURL(url, reason: "no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 80
        guard (1...65_535).contains(port) else { throw .invalidURL(url, reason: "port \(port) is out of range") }
        guard components.query == nil, components.fragment == nil else {
            throw .invalidURL(url, reason: "a base URL has no query or fragment")
        }
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.host = host
        self.port = port
        self.pathPrefix = prefix
        self.baseURL = "http://\(host.contains(":") ? "[\(host)]" : host)\(components.port.map { ":\($0)" } ?? "")\(prefix)"
        self.token = token
        self.timeout = timeout
    }

    /// Sends one request and returns whatever status came back; only transport and protocol
    /// failures throw. The typed calls (`status()`, `promote(…)` …) build on it.
    /// - Parameters:
    ///   - method: `GET`, `POST` …
    ///   - path: absolute path with query, e.g. `/v1/drift?adapter=sentiment`.
    ///   - body: JSON to send (`Content-Type: application/json`).
    ///   - authorized: whether to send `Authorization: Bearer <token>` (when a token is set).
    package func send(_ method: String, _ path: String, body: [UInt8]? = nil,
                     authorized: Bool = false) async throws(ControlPlaneClientError) -> ControlPlaneHTTPResponse {
        let request = encodeRequest(method, path, body: body, authorized: authorized)
        let (url, base) = (self.url(path), baseURL)
        let (host, port, limit, timeout) = (self.host, self.port, maxResponseBytes, self.timeout)
        let isHead = method.uppercased() == "HEAD"
        let result: Result<ControlPlaneHTTPResponse, ControlPlaneClientError> = await Blocking.run("streamlora.control-plane-client") {
            do {
                let deadline = ContinuousClock.now.advanced(by: timeout)
                let socket = try HTTPSocket(host: host, port: port, deadline: deadline)
                try socket.sendAll(request)
                let (bytes, closed) = try socket.receive(limit: limit) {
                    try HTTPResponseParser.parse($0, atEOF: false, isHeadRequest: isHead) != nil
                }
                guard let response = try HTTPResponseParser.parse(bytes, atEOF: closed, isHeadRequest: isHead) else {
                    throw HTTPParseError.message("incomplete response")
                }
                return .success(response)
            } catch let failure as SocketFailure {
                return .failure(Self.describe(failure, url: url, base: base, timeout: timeout))
            } catch let failure as HTTPParseError {
                return .failure(.malformedResponse(url: url, detail: failure.description))
            } catch {
                return .failure(.transport(url: url, detail: "\(error)"))
            }
        }
        return try result.get()
    }

    /// `send`, then a non-2xx answer becomes `ControlPlaneClientError.status` with the server's
    /// `error` message.
    func sendExpectingSuccess(_ method: String, _ path: String, body: [UInt8]? = nil,
                                     authorized: Bool = false) async throws(ControlPlaneClientError) -> ControlPlaneHTTPResponse {
        let response = try await send(method, path, body: body, authorized: authorized)
        guard response.isSuccess else {
            throw .status(method: method, url: url(path), code: response.status, reason: response.reason,
                          message: Self.errorMessage(of: response))
        }
        return response
    }

    /// The full URL of `path`.
    package func url(_ path: String) -> String { baseURL + path }

    // MARK: Internals

    private func encodeRequest(_ method: String, _ path: String, body: [UInt8]?, authorized: Bool) -> [UInt8] {
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (port == 80 ? "" : ":\(port)")
        var head = "\(method) \(pathPrefix)\(path) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        head += "User-Agent: streamlora-cli\r\nAccept: application/json, text/plain;q=0.9\r\nConnection: close\r\n"
        if authorized, let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    /// The `error` field of a JSON error body, else the body text cut to 500 characters.
    static func errorMessage(of response: ControlPlaneHTTPResponse) -> String {
        struct ErrorField: Decodable { var error: String }
        if let decoded = try? JSONDecoder().decode(ErrorField.self, from: Data(response.body)) { return decoded.error }
        let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.count > 500 ? String(text.prefix(500)) + "…" : text
    }

    /// Connection problems name the agent (`base`); problems with an answer name the request.
    private static func describe(_ failure: SocketFailure, url: String, base: String,
                                 timeout: Duration) -> ControlPlaneClientError {
        switch failure {
        case .refused:
            return .connectionRefused(url: base)
        case .unresolved(let host, let detail):
            return .unresolvedHost(url: base, host: host, detail: detail)
        case .timedOut(let phase):
            let (seconds, attoseconds) = timeout.components
            return .timedOut(url: url, phase: phase, seconds: Double(seconds) + Double(attoseconds) / 1e18)
        case .system(let call, let code):
            return .transport(url: base, detail: "\(call): \(errnoText(code))")
        case .tooLarge(let limit):
            return .malformedResponse(url: url, detail: "the answer is larger than \(limit) bytes")
        }
    }
}

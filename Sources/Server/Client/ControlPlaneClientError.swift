/// Why a `ControlPlaneClient` call failed, phrased for the operator at the terminal: every
/// message names the URL and says what to do where there is something to do.
package enum ControlPlaneClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The base URL cannot be used (not http, no host, bad port).
    case invalidURL(String, reason: String)
    /// Nothing listens at the address.
    case connectionRefused(url: String)
    /// The host name does not resolve.
    case unresolvedHost(url: String, host: String, detail: String)
    /// No answer within the timeout.
    case timedOut(url: String, phase: String, seconds: Double)
    /// Any other socket failure (network unreachable, reset …).
    case transport(url: String, detail: String)
    /// The bytes that came back are not an HTTP/1.1 response.
    case malformedResponse(url: String, detail: String)
    /// The agent answered with a non-2xx status; `message` is the `error` field of its JSON body
    /// when it has one, else the body text (shortened).
    case status(method: String, url: String, code: Int, reason: String, message: String)
    /// A 2xx answer whose body is not the expected JSON document.
    case undecodable(url: String, type: String, detail: String)

    package var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            "invalid agent URL '\(url)': \(reason) (expected e.g. http://127.0.0.1:8080)"
        case .connectionRefused(let url):
            "no agent answers at \(url): is `streamlora serve` running? (connection refused)"
        case .unresolvedHost(let url, let host, let detail):
            "no agent answers at \(url): cannot resolve host '\(host)' (\(detail))"
        case .timedOut(let url, let phase, let seconds):
            "no answer from \(url) within \(Self.format(seconds)) s (timed out \(phase))"
        case .transport(let url, let detail):
            "no agent answers at \(url): \(detail)"
        case .malformedResponse(let url, let detail):
            "\(url) did not answer with valid HTTP/1.1: \(detail)"
        case .status(let method, let url, let code, let reason, let message):
            "\(method) \(url) answered \(code)\(reason.isEmpty ? "" : " " + reason)\(message.isEmpty ? "" : ": " + message)"
        case .undecodable(let url, let type, let detail):
            "\(url) answered 2xx but its body is not \(type): \(detail)"
        }
    }

    /// The HTTP status code of a `.status` error, nil for every other case.
    var statusCode: Int? {
        if case .status(_, _, let code, _, _) = self { return code }
        return nil
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

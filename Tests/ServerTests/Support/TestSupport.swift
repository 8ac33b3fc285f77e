import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Server
import Testing

/// Runs `body` against the control-plane router in process (no sockets).
func withServer<Value: Sendable>(
    _ plane: FakeControlPlane,
    configuration: ServerConfiguration = ServerConfiguration(token: testToken),
    _ body: @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    let app = Application(router: makeServerRouter(controlPlane: plane, configuration: configuration))
    return try await app.test(.router, body)
}

let testToken = "s3cret-token"

/// Headers for a JSON POST, optionally with a bearer token.
func jsonHeaders(token: String? = nil) -> HTTPFields {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let token { headers[.authorization] = "Bearer \(token)" }
    return headers
}

extension TestResponse {
    /// The body as UTF-8 text.
    var text: String { String(buffer: body) }

    /// The `error` field of a JSON error body.
    var errorMessage: String? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["error"] as? String
    }
}

/// `json` re-serialized with sorted keys, so two documents compare equal exactly when they have
/// the same keys, values and nesting (key order and whitespace aside).
func canonicalJSON(_ json: String) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    return String(decoding: data, as: UTF8.self)
}

extension ByteBuffer {
    init(json: String) { self.init(string: json) }
}

/// Expects `actual` and `expected` to be the same JSON document (key order and whitespace aside).
func expectJSON(_ actual: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let a = try canonicalJSON(actual), e = try canonicalJSON(expected)
    #expect(a == e, sourceLocation: sourceLocation)
}

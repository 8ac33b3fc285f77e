import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct MutationRouteTests {
    static let mutations = ["/v1/adapters/default/promote", "/v1/adapters/default/rollback"]

    @Test(arguments: mutations)
    func withoutConfiguredTokenMutationsAre403WithAHint(_ uri: String) async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane, configuration: ServerConfiguration(token: nil)) { client in
            try await client.execute(uri: uri, method: .post, headers: jsonHeaders(token: "anything"),
                                     body: ByteBuffer(json: #"{"version": "000001"}"#)) { response in
                #expect(response.status == .forbidden)
                let message = try #require(response.errorMessage)
                #expect(message.contains("no API token"))
                #expect(message.contains("STREAMLORA_TOKEN"))
            }
        }
        #expect(await plane.calls.isEmpty)
    }

    @Test func emptyConfiguredTokenCountsAsNone() async throws {
        try await withServer(try FakeControlPlane(), configuration: ServerConfiguration(token: "")) { client in
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post,
                                     headers: [.authorization: "Bearer "]) { #expect($0.status == .forbidden) }
        }
    }

    @Test(arguments: mutations)
    func missingTokenIs401WithChallenge(_ uri: String) async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: uri, method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: #"{"version": "000001"}"#)) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="streamlora""#)
                #expect(response.errorMessage == "missing 'Authorization: Bearer <token>' header")
            }
        }
        #expect(await plane.calls.isEmpty)
    }

    @Test(arguments: ["Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token-and-more", "Basic czNjcmV0", "s3cret-token"])
    func wrongOrMalformedTokenIs401(_ authorization: String) async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post,
                                     headers: [.authorization: authorization, .contentType: "application/json"],
                                     body: ByteBuffer(json: #"{"version": "000001"}"#)) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorMessage != nil)
            }
        }
        #expect(await plane.calls.isEmpty)
    }

    @Test func promoteMakesAVersionLiveAndPassesTheReason() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"version": "000001", "reason": " back to basics "}"#)) { response in
                #expect(response.status == .ok)
                let expected = #"""
                {"adapter": "default", "action": "promote", "live": {
                  "version": "000001", "parent": null, "created_at": "2027-01-15T08:00:00Z", "status": "live",
                  "is_live": true, "examples_trained": 100, "steps": 10,
                  "holdout": {"count": 20, "accuracy": 0.5, "log_loss": 0.75, "live": null}, "prequential": null,
                  "reason": "back to basics"}}
                """#
                try expectJSON(response.text, expected)
            }
            try await client.execute(uri: "/v1/adapters", method: .get) { response in
                #expect(response.text.contains(#""live_version":"000001""#))
            }
        }
        #expect(await plane.calls == ["promote default 000001 back to basics"])
    }

    @Test func promoteAcceptsAnIntegerVersionAndLowercaseScheme() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post,
                                     headers: [.authorization: "bearer \(testToken)"],
                                     body: ByteBuffer(json: #"{"version": 1}"#)) { #expect($0.status == .ok) }
        }
        #expect(await plane.calls == ["promote default 1 -"])
    }

    @Test func promotingARejectedVersionIs409() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"version": "000003"}"#)) { response in
                #expect(response.status == .conflict)
                #expect(response.errorMessage == "version 000003 was rejected by the gate")
            }
        }
    }

    @Test func promotingAMissingVersionIs404() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"version": "000099"}"#)) { response in
                #expect(response.status == .notFound)
                #expect(response.errorMessage == "adapter 'default' has no version 000099")
            }
        }
    }

    @Test func promoteOnUnknownAdapterIs404() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/ghost/promote", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"version": "000001"}"#)) { response in
                #expect(response.status == .notFound)
                #expect(response.errorMessage == "unknown adapter 'ghost' (known: default, spam)")
            }
        }
        #expect(await plane.calls.isEmpty)
    }

    static let badPromoteBodies: [(String, String)] = [
        (#"{}"#, "missing field 'version'"),
        (#"{"version": true}"#, "field 'version' must be a version like \"000042\""),
        (#"{"version": ""}"#, "field 'version' must be a version like \"000042\""),
        (#"{"version": "1", "reson": "typo"}"#, "unknown field 'reson' (expected: 'version', 'reason')"),
        (#"{"version": "1", "reason": 3}"#, "field 'reason' must be a string"),
        ("not json", "request body is not valid JSON"),
        ("", "request body is empty; expected a JSON object"),
    ]

    @Test(arguments: badPromoteBodies)
    func malformedPromoteBodyIs400(_ body: String, _ message: String) async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: body)) { response in
                #expect(response.status == .badRequest)
                let got = try #require(response.errorMessage)
                #expect(got.hasPrefix(message), "got: \(got)")
            }
        }
        #expect(await plane.calls.isEmpty)
    }

    @Test func tooLongReasonIs400() async throws {
        let body = #"{"version": "1", "reason": ""# + String(repeating: "r", count: 1001) + #""}"#
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage == "field 'reason' is longer than 1000 characters")
            }
        }
    }

    @Test func rollbackWithEmptyBodyGoesToThePreviousGoodVersion() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post,
                                     headers: [.authorization: "Bearer \(testToken)"]) { response in
                #expect(response.status == .ok)
                let decoded = try JSONDecoder.iso8601.decode(MutationResponse.self, from: Data(response.text.utf8))
                #expect(decoded.action == "rollback")
                #expect(decoded.live.version == "000001")
                #expect(decoded.live.isLive)
            }
        }
        #expect(await plane.calls == ["rollback default - -"])
    }

    @Test func rollbackWithOnlyAReasonGoesToThePreviousGoodVersion() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"reason": "operator says so"}"#)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
        }
        #expect(await plane.calls == ["rollback default - operator says so"])
    }

    @Test func rollbackToANamedVersionWithReason() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"to": "000001", "reason": "loss spike"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains(#""reason":"loss spike""#))
            }
        }
        #expect(await plane.calls == ["rollback default 000001 loss spike"])
    }

    @Test func rollbackWithNothingToGoBackToIs409() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            let headers = jsonHeaders(token: testToken)
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post, headers: headers) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post, headers: headers) { response in
                #expect(response.status == .conflict)
                #expect(response.errorMessage == "adapter 'default' has no earlier good version")
            }
        }
    }

    @Test func rollbackRefusesUnknownFields() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post, headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"version": "000001"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage == "unknown field 'version' (expected: 'to', 'reason')")
            }
        }
    }

    @Test func mutationsAreNotReachableWithGET() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/default/promote", method: .get) { #expect($0.status == .notFound) }
        }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import Server

/// The application `makeServerApplication` builds, over a real loopback socket (port 0: the
/// system picks a free one, so parallel suites never collide).
@Suite struct LiveServerTests {
    @Test func servesProbesStatusAndMutationsOverTCP() async throws {
        let plane = try FakeControlPlane()
        let app = makeServerApplication(
            controlPlane: plane, configuration: ServerConfiguration(host: "127.0.0.1", port: 0, token: testToken, idleTimeoutSeconds: 600),
            logger: Logger(label: "live-test"))
        try await app.test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains(#""default_adapter":"default""#))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post,
                                     headers: jsonHeaders(token: testToken),
                                     body: ByteBuffer(json: #"{"version": "000001"}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/adapters/default/promote", method: .post,
                                     headers: jsonHeaders(token: "nope"),
                                     body: ByteBuffer(json: #"{"version": "000002"}"#)) { #expect($0.status == .unauthorized) }
        }
        #expect(await plane.calls == ["promote default 000001 -"])
    }
}

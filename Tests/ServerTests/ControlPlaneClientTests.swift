#if canImport(Glibc)
import API
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Monitor
import TestCorpora
import Testing

@testable import Server

/// `ControlPlaneClient` against the real control plane over loopback TCP (port 0, so parallel
/// suites never collide), with `FakeControlPlane` as the agent.
@Suite struct ControlPlaneClientTests {
    @Test func statusDecodesToWhatThePlaneServed() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane) { client in
            let status = try await client.status()
            #expect(status == (try await plane.status()))
            #expect(status.adapters.first?.partitions.first?.lag == 10)

            // `get` hands back the server's own bytes too (what `status --json` prints).
            let fetched = try await client.get(AgentStatus.self, ControlPlaneClient.statusPath)
            #expect(fetched.response.status == 200)
            #expect(fetched.response.header("content-type") == "application/json; charset=utf-8")
            #expect(fetched.response.text.contains(#""default_adapter":"default""#))
        }
    }

    @Test func driftDecodesToWhatThePlaneServed() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane) { client in
            let all = try await client.drift()
            #expect(all == DriftList(reports: plane.driftReports))
            #expect(all.reports.map(\.adapter) == ["default", "spam"])
            // The fixture shifts labels towards `positive`: the label statistics exist.
            #expect(all.reports[0].label != nil)

            let one = try await client.drift(adapter: "spam")
            #expect(one.reports.map(\.adapter) == ["spam"])
            #expect(one.reports == plane.driftReports.filter { $0.adapter == "spam" })
        }
    }

    @Test func readRoutesDecode() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane) { client in
            #expect(try await client.adapters() == AdapterList(adapters: try await plane.adapters()))
            let detail = try await client.adapter("default")
            #expect(detail.versions == (try await plane.versions(adapter: "default")))
            #expect(try await client.isAlive())
            #expect(try await client.isReady())
            await plane.setReady(false)
            #expect(try await client.isReady() == false)

            let samples = try await client.metricSamples()
            #expect(samples.value("streamlora_examples_total", ["adapter": "default"]) == 1234)

            let predicted = try await client.predict(["a good film", "dull"])
            #expect(predicted.predictions.map(\.label) == ["positive", "negative"])
        }
    }

    @Test func unknownAdapterIsReportedWithTheServersMessage() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane) { client in
            let error = await #expect(throws: ControlPlaneClientError.self) { try await client.drift(adapter: "nope") }
            #expect(error?.statusCode == 404)
            #expect(error?.description == "GET \(client.baseURL)/v1/drift?adapter=nope answered 404 Not Found: unknown adapter 'nope'")
        }
    }

    @Test func nonSuccessStatusesCarryCodeAndMessage() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane) { client in
            let noRoute = await #expect(throws: ControlPlaneClientError.self) {
                try await client.sendExpectingSuccess("GET", "/v1/nothing-here")
            }
            #expect(noRoute?.statusCode == 404)
            #expect(noRoute?.description.contains("no route for GET /v1/nothing-here") == true)

            await plane.setFailure(FakeFailure(description: "learner thread died"))
            let broken = await #expect(throws: ControlPlaneClientError.self) { try await client.status() }
            #expect(broken == .status(method: "GET", url: client.baseURL + "/v1/status", code: 500,
                                      reason: "Internal Server Error", message: "internal error: learner thread died"))
            // A readiness check that fails inside the agent is a 503, which reads as "not ready".
            let ready = try await client.isReady()
            #expect(ready == false)
        }
    }

    @Test func promoteWithoutOrWithAWrongTokenIsRefused() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane) { client in
            var anonymous = client
            anonymous.token = nil
            let missing = await #expect(throws: ControlPlaneClientError.self) {
                try await anonymous.promote(adapter: "default", version: "000001")
            }
            #expect(missing?.statusCode == 401)
            #expect(missing?.description.hasSuffix(": missing 'Authorization: Bearer <token>' header") == true)

            var wrong = client
            wrong.token = "not-the-token"
            let refused = await #expect(throws: ControlPlaneClientError.self) {
                try await wrong.promote(adapter: "default", version: "000001")
            }
            #expect(refused == .status(method: "POST", url: client.baseURL + "/v1/adapters/default/promote", code: 401,
                                       reason: "Unauthorized", message: "invalid bearer token"))
            #expect(await plane.calls.isEmpty)

            let promoted = try await client.promote(adapter: "default", version: "1", reason: "reviewed")
            #expect(promoted.action == "promote")
            #expect(promoted.live.version == "000001")
            #expect(promoted.live.reason == "reviewed")

            let rolled = try await client.rollback(adapter: "default", to: "000002")
            #expect(rolled.action == "rollback")
            #expect(rolled.live.version == "000002")

            let rejected = await #expect(throws: ControlPlaneClientError.self) {
                try await client.promote(adapter: "default", version: "000003")
            }
            #expect(rejected?.statusCode == 409)
            #expect(rejected?.description.hasSuffix(": version 000003 was rejected by the gate") == true)
            #expect(await plane.calls == ["promote default 1 reviewed", "rollback default 000002 -", "promote default 000003 -"])
        }
    }

    @Test func mutationsOnAnAgentWithoutATokenAreForbidden() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane, serverToken: nil) { client in
            let error = await #expect(throws: ControlPlaneClientError.self) { try await client.rollback(adapter: "default") }
            #expect(error?.statusCode == 403)
            #expect(error?.description.contains("mutations are disabled because the server has no API token") == true)
        }
    }

    @Test func connectionRefusedSaysNoAgentAnswers() async throws {
        let port = try freeTCPPort()
        let client = try ControlPlaneClient(url: "http://127.0.0.1:\(port)", timeout: .seconds(120))
        let error = await #expect(throws: ControlPlaneClientError.self) { try await client.status() }
        #expect(error == .connectionRefused(url: "http://127.0.0.1:\(port)"))
        #expect(error?.description
            == "no agent answers at http://127.0.0.1:\(port): is `streamlora serve` running? (connection refused)")
    }

    /// The timed-out error proves the client gave up by itself; the time limit only turns a
    /// hang into a failure (no assertion on how long it took: machines are shared and noisy).
    @Test(.timeLimit(.minutes(1))) func aSilentPeerTimesOut() async throws {
        // Listening but never accepting: the kernel completes the handshake, nothing answers.
        let listener = try ListeningSocket()
        defer { withExtendedLifetime(listener) {} }
        let client = try ControlPlaneClient(url: "http://127.0.0.1:\(listener.port)", timeout: .milliseconds(300))
        let error = await #expect(throws: ControlPlaneClientError.self) { try await client.status() }
        #expect(error == .timedOut(url: "http://127.0.0.1:\(listener.port)/v1/status",
                                   phase: "waiting for the response", seconds: 0.3))
    }

    @Test func aPeerThatHangsUpWithoutAnAnswerIsMalformed() async throws {
        let listener = try ListeningSocket()
        defer { withExtendedLifetime(listener) {} }
        // Accept one connection, read the request, close without a word (a peer that is not an
        // HTTP server, or one that crashed mid-request).
        let acceptor = Thread {
            let connection = accept(listener.fd, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            closeDescriptor(connection)
        }
        acceptor.start()
        let client = try ControlPlaneClient(url: "http://127.0.0.1:\(listener.port)", timeout: .seconds(120))
        let error = await #expect(throws: ControlPlaneClientError.self) { try await client.status() }
        #expect(error == .malformedResponse(url: "http://127.0.0.1:\(listener.port)/v1/status",
                                            detail: "the connection closed without an answer"))
    }

    @Test func anOversizedAnswerIsRefused() async throws {
        let plane = try FakeControlPlane()
        try await withLiveClient(plane) { client in
            var small = client
            small.maxResponseBytes = 100
            let error = await #expect(throws: ControlPlaneClientError.self) { try await small.status() }
            #expect(error == .malformedResponse(url: client.baseURL + "/v1/status",
                                                detail: "the answer is larger than 100 bytes"))
        }
    }

    @Test func chunkedAnswersAreReassembled() async throws {
        let router = Router()
        router.get("/v1/status") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                // No content length: Hummingbird sends chunked transfer coding.
                for part in [#"{"started_at":"2027-01-15T08:00:00Z","uptime_seconds":1.5,"#,
                             #""ready":true,"pipeline":null,"topic":null,"default_adapter":null,"#,
                             #""base_model":null,"adapters":[],"dlq_messages":0,"dlq_by_reason":{},"consumed":0,"#,
                             #""unsupported_inputs":0,"partitions":[],"committed":{},"stalled_partitions":{},"#,
                             #""partition_alarms":{},"brokers_reachable":null,"consumer_errors":0,"trainer_loads":0,"errors":0,"last_error":null}"#] {
                    try await writer.write(ByteBuffer(string: part))
                }
                try await writer.finish(nil)
            })
        }
        try await withLiveClient(router) { client in
            let fetched = try await client.get(AgentStatus.self, ControlPlaneClient.statusPath)
            #expect(fetched.response.header("transfer-encoding") == "chunked")
            #expect(fetched.value == AgentStatus(startedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                                 uptimeSeconds: 1.5, ready: true))
        }
    }

    @Test func aBodyThatIsNotTheAPITypeSaysWhatFailed() async throws {
        let router = Router()
        router.get("/v1/status") { _, _ in #"{"started_at":"2027-01-15T08:00:00Z","ready":true}"# }
        router.get("/v1/drift") { _, _ in "<html>a proxy's login page</html>" }
        try await withLiveClient(router) { client in
            let missing = await #expect(throws: ControlPlaneClientError.self) { try await client.status() }
            #expect(missing == .undecodable(url: client.baseURL + "/v1/status", type: "AgentStatus",
                                            detail: "missing field 'uptime_seconds'"))
            let html = await #expect(throws: ControlPlaneClientError.self) { try await client.drift() }
            #expect(html?.description.hasPrefix("\(client.baseURL)/v1/drift answered 2xx but its body is not DriftList: not valid JSON") == true)
        }
    }
}

// MARK: - Helpers

/// Runs `body` with a client (holding `testToken`) of the real control plane serving `plane`.
private func withLiveClient(_ plane: FakeControlPlane, serverToken: String? = testToken,
                            _ body: @escaping @Sendable (ControlPlaneClient) async throws -> Void) async throws {
    let app = makeServerApplication(
        controlPlane: plane, configuration: ServerConfiguration(host: "127.0.0.1", port: 0, token: serverToken, idleTimeoutSeconds: 600),
        logger: Logger(label: "client-test"))
    try await app.test(.live) { testClient in
        let port = try #require(testClient.port)
        try await body(try ControlPlaneClient(url: "http://127.0.0.1:\(port)", token: testToken, timeout: .seconds(120)))
    }
}

/// The same for a hand-made router (answers the real plane never gives).
private func withLiveClient(_ router: Router<BasicRequestContext>,
                            _ body: @escaping @Sendable (ControlPlaneClient) async throws -> Void) async throws {
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          logger: Logger(label: "client-test"))
    try await app.test(.live) { testClient in
        let port = try #require(testClient.port)
        try await body(try ControlPlaneClient(url: "http://127.0.0.1:\(port)", timeout: .seconds(120)))
    }
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}

import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct ProbeRouteTests {
    @Test func healthzAnswersOKWithJSON() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                try expectJSON(response.text, #"{"status":"ok"}"#)
            }
        }
    }

    @Test func healthzStaysUpWhileNotReady() async throws {
        let plane = try FakeControlPlane()
        await plane.setReady(false)
        try await withServer(plane) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func readyzFollowsTheAgent() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                try expectJSON(response.text, #"{"ready":true}"#)
            }
            await plane.setReady(false)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                try expectJSON(response.text, #"{"ready":false}"#)
            }
            await plane.setReady(true)
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func metricsPassesTheAgentTextThroughWithPrometheusContentType() async throws {
        let plane = try FakeControlPlane()
        let agentText = plane.metricsText
        try await withServer(plane) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let contentType = try #require(response.headers[.contentType])
                #expect(contentType.hasPrefix("text/plain; version=0.0.4"))
                #expect(response.text.hasPrefix(agentText))
                #expect(response.text.contains(#"streamlora_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
                #expect(response.text.contains("# TYPE streamlora_http_requests_total counter"))
            }
        }
    }

    @Test func metricsEndsAnAgentTextWithoutTrailingNewlineBeforeAppending() async throws {
        let plane = try FakeControlPlane(metricsText: "agent_up 1")
        try await withServer(plane) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.hasPrefix("agent_up 1\n"))
            }
        }
    }

    @Test func unknownRouteIsAJSON404() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let message = try #require(response.errorMessage)
                #expect(message.contains("GET /v1/nope"))
            }
        }
    }
}

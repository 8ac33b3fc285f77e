import API
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct ErrorHandlingTests {
    @Test func anUnexpectedAgentErrorIsA500WithItsDescription() async throws {
        let plane = try FakeControlPlane()
        await plane.setFailure(FakeFailure(description: "registry unreadable: EIO"))
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.errorMessage == "internal error: registry unreadable: EIO")
            }
        }
    }

    @Test func aFailingReadinessCheckIs503WithTheReason() async throws {
        let plane = try FakeControlPlane()
        await plane.setFailure(FakeFailure(description: "model not loaded"))
        try await withServer(plane) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                try expectJSON(response.text, #"{"ready": false, "error": "model not loaded"}"#)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test(arguments: [
        (ControlPlaneError.notFound("n"), HTTPResponse.Status.notFound),
        (.badRequest("b"), .badRequest), (.conflict("c"), .conflict), (.unavailable("u"), .serviceUnavailable),
    ])
    func controlPlaneErrorsMapToStatuses(_ error: ControlPlaneError, _ status: HTTPResponse.Status) {
        #expect(error.httpStatus == status)
        #expect(error.description == error.message)
    }

    @Test func unmatchedRequestsAreCountedUnderOneRouteLabel() async throws {
        try await withServer(try FakeControlPlane()) { client in
            for path in ["/a", "/b/c", "/d?e=f"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .notFound) }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.contains(#"streamlora_http_requests_total{method="GET",route="unmatched",status="404"} 3"#))
                #expect(!response.text.contains(#"route="/a""#))
            }
        }
    }

    @Test func parameterizedRoutesAreCountedByPattern() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/default", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/adapters/ghost", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.contains(#"streamlora_http_requests_total{method="GET",route="/v1/adapters/{name}",status="200"} 1"#))
                #expect(response.text.contains(#"streamlora_http_requests_total{method="GET",route="/v1/adapters/{name}",status="404"} 1"#))
            }
        }
    }
}

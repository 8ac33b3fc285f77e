import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct PredictRouteTests {
    @Test func singleTextUsesTheDefaultAdapter() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: #"{"text": "a good film"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let expected = #"""
                {"adapter": "default", "version": "000002", "predictions": [
                  {"label": "positive", "scores": {"positive": 0.75, "negative": 0.25}, "version": "000002"}]}
                """#
                try expectJSON(response.text, expected)
            }
        }
        #expect(await plane.calls == ["predict - 1"])
    }

    @Test func manyTextsKeepTheirOrder() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            let body = #"{"adapter": "default", "texts": ["bad", "good", "meh"]}"#
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: body)) { response in
                #expect(response.status == .ok)
                let decoded = try JSONDecoder().decode(PredictResponse.self, from: Data(response.text.utf8))
                #expect(decoded.predictions.map(\.label) == ["negative", "positive", "negative"])
            }
        }
        #expect(await plane.calls == ["predict default 3"])
    }

    @Test func requestListNamesEachAdapterAndVersion() async throws {
        let plane = try FakeControlPlane()
        try await withServer(plane) { client in
            let body = #"{"requests": [{"adapter": "default", "text": "good"}, {"texts": ["bad", "good"]}]}"#
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: body)) { response in
                #expect(response.status == .ok)
                let decoded = try JSONDecoder().decode(PredictBatchResponse.self, from: Data(response.text.utf8))
                #expect(decoded.responses.map(\.adapter) == ["default", "default"])
                #expect(decoded.responses.map(\.version) == ["000002", "000002"])
                #expect(decoded.responses.map { $0.predictions.map(\.label) } == [["positive"], ["negative", "positive"]])
            }
        }
        #expect(await plane.calls == ["predict default 1", "predict - 2"])
    }

    @Test(arguments: [
        (#"{"requests": []}"#, "field 'requests' must not be an empty array"),
        (#"{"requests": [{"text": "x"}], "text": "y"}"#, "give field 'requests' alone"),
        (#"{"requests": [{"text": " "}]}"#, "requests[0]: field 'text' must not be empty"),
        (#"{"requests": [{"requests": []}]}"#, "field 'requests[0]' must not hold 'requests'"),
    ])
    func badRequestListsAreRefused(body: String, message: String) async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.contains(message) == true, "\(response.errorMessage ?? "")")
            }
        }
    }

    @Test func unknownAdapterIs404() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: #"{"adapter": "ghost", "text": "x"}"#)) { response in
                #expect(response.status == .notFound)
                #expect(response.errorMessage == "unknown adapter 'ghost'")
            }
        }
    }

    @Test func adapterWithoutLiveVersionIs503() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: #"{"adapter": "spam", "text": "x"}"#)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorMessage == "adapter 'spam' has no live version yet")
            }
        }
    }

    /// Each malformed body and the message that must name what is wrong with it.
    static let badBodies: [(String, String)] = [
        (#"{"text": "a", "#, "request body is not valid JSON"),
        (#"["a"]"#, "request body must be a JSON object"),
        ("", "request body is empty; expected a JSON object"),
        (#"{}"#, "missing field 'text' (one string) or 'texts' (an array of strings)"),
        (#"{"text": "a", "texts": ["b"]}"#, "give either field 'text' or field 'texts', not both"),
        (#"{"text": 5}"#, "field 'text' must be a string"),
        (#"{"texts": "a"}"#, "field 'texts' must be an array of strings"),
        (#"{"texts": ["a", 7]}"#, "field 'texts[1]' must be a string"),
        (#"{"texts": []}"#, "field 'texts' must not be an empty array"),
        (#"{"texts": ["a", "  "]}"#, "field 'texts[1]' must not be empty"),
        (#"{"text": ""}"#, "field 'text' must not be empty"),
        (#"{"text": "a", "adapter": ""}"#, "invalid adapter ''"),
        (#"{"txt": "a"}"#, "unknown field 'txt' (expected: 'adapter', 'text', 'texts', 'requests')"),
    ]

    @Test(arguments: badBodies)
    func malformedBodyIs400NamingTheProblem(_ body: String, _ message: String) async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let got = try #require(response.errorMessage)
                #expect(got.hasPrefix(message), "got: \(got)")
            }
        }
    }

    @Test func tooManyTextsIs400() async throws {
        let configuration = ServerConfiguration(token: testToken, maxPredictTexts: 2)
        try await withServer(try FakeControlPlane(), configuration: configuration) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: #"{"texts": ["a", "b", "c"]}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage == "field 'texts' has 3 entries; at most 2 are accepted per request")
            }
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        let configuration = ServerConfiguration(token: testToken, maxBodyBytes: 1024)
        let big = #"{"text": ""# + String(repeating: "a", count: 2048) + #""}"#
        try await withServer(try FakeControlPlane(), configuration: configuration) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: big)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.errorMessage == "request body is larger than 1024 bytes")
            }
        }
    }

    @Test func defaultLimitIsOneMebibyte() async throws {
        let big = #"{"text": ""# + String(repeating: "a", count: 1 << 20) + #""}"#
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: big)) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    @Test func predictNeedsNoToken() async throws {
        try await withServer(try FakeControlPlane(), configuration: ServerConfiguration(token: nil)) { client in
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders(),
                                     body: ByteBuffer(json: #"{"text": "good"}"#)) { #expect($0.status == .ok) }
        }
    }
}

import Testing

@testable import Server

/// The client's pure parts: HTTP/1.1 response framing, Prometheus samples, base URLs.
@Suite struct ControlPlaneClientParsingTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func contentLengthBodyWaitsForAllBytes() throws {
        let full = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello"
        #expect(try HTTPResponseParser.parse(bytes(String(full.dropLast(2))), atEOF: false) == nil)
        let response = try #require(try HTTPResponseParser.parse(bytes(full), atEOF: false))
        #expect(response.status == 200)
        #expect(response.reason == "OK")
        #expect(response.text == "hello")
        #expect(response.header("x-a") == "b")
        #expect(throws: HTTPParseError.message("the connection closed after 3 of 5 body bytes")) {
            try HTTPResponseParser.parse(self.bytes(String(full.dropLast(2))), atEOF: true)
        }
    }

    @Test func chunkedBodyIsDecodedWhateverTheSplit() throws {
        let wire = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;ext=1\r\n{\"er\r\n10\r\nror\":\"nope here\"\r\n1\r\n}\r\n0\r\nTrailer: x\r\n\r\n"
        let all = bytes(wire)
        // Every prefix but the whole is "not yet"; the whole decodes the same.
        for cut in 0..<all.count {
            #expect(try HTTPResponseParser.parse(Array(all[..<cut]), atEOF: false) == nil, "cut \(cut)")
        }
        let response = try #require(try HTTPResponseParser.parse(all, atEOF: false))
        #expect(response.status == 404)
        #expect(response.text == #"{"error":"nope here"}"#)
        #expect(ControlPlaneClient.errorMessage(of: response) == "nope here")
    }

    @Test func bodyWithoutLengthRunsToTheEndOfTheConnection() throws {
        let wire = bytes("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close")
        #expect(try HTTPResponseParser.parse(wire, atEOF: false) == nil)
        #expect(try HTTPResponseParser.parse(wire, atEOF: true)?.text == "until close")
    }

    @Test(arguments: [
        ("", "the connection closed without an answer"),
        ("HTTP/1.1 200 OK\r\nContent-", "the connection closed inside the response headers"),
        ("SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x status line: 'SSH-2.0-OpenSSH_9.2'"),
        ("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "malformed header line 'no colon'"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size 'zz'"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd", "a 2-byte chunk is not followed by CRLF"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "the connection closed inside a 5-byte chunk"),
    ])
    func malformedResponsesAreNamed(wire: String, message: String) {
        #expect(throws: HTTPParseError.message(message)) { try HTTPResponseParser.parse(self.bytes(wire), atEOF: true) }
    }

    @Test func noBodyStatusesIgnoreFraming() throws {
        let response = try HTTPResponseParser.parse(bytes("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n"), atEOF: false)
        #expect(response?.status == 204)
        #expect(response?.body.isEmpty == true)
    }

    @Test func prometheusSamplesAreParsed() throws {
        let text = """
            # HELP streamlora_snapshots_total Versions written.
            # TYPE streamlora_snapshots_total counter
            streamlora_snapshots_total{adapter="a"} 3
            streamlora_snapshots_total{adapter="b",note="x\\"y\\\\z, w"} 4 1700000000000
            streamlora_up 1
            streamlora_loss{adapter="a"} NaN
            streamlora_max +Inf

            """
        let samples = try MetricSample.parse(text)
        #expect(samples.count == 5)
        #expect(samples.value("streamlora_snapshots_total", ["adapter": "a"]) == 3)
        #expect(samples.value("streamlora_snapshots_total", ["adapter": "b"]) == 4)
        #expect(samples[1].labels == ["adapter": "b", "note": #"x"y\z, w"#])
        #expect(samples.value("streamlora_up") == 1)
        #expect(samples.value("streamlora_loss")?.isNaN == true)
        #expect(samples.value("streamlora_max") == .infinity)
        #expect(samples.value("streamlora_snapshots_total", ["adapter": "c"]) == nil)
        #expect(throws: MetricParseError(line: 2, text: "streamlora_x{adapter=\"a\" 1")) {
            try MetricSample.parse("ok 1\nstreamlora_x{adapter=\"a\" 1\n")
        }
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("127.0.0.1:18080", "http://127.0.0.1:18080"),
        ("http://localhost", "http://localhost"),
        ("http://[::1]:9000/agent/", "http://[::1]:9000/agent"),
    ])
    func baseURLsAreNormalized(given: String, expected: String) throws {
        #expect(try ControlPlaneClient(url: given).baseURL == expected)
    }

    @Test(arguments: [
        ("https://agent:8443", "scheme 'https' is not supported"),
        ("http://:8080", "no host"),
        ("http://host:8080/?x=1", "a base URL has no query or fragment"),
    ])
    func unusableURLsAreRefused(given: String, reason: String) {
        #expect(throws: ControlPlaneClientError.self) { try ControlPlaneClient(url: given) }
        do {
            _ = try ControlPlaneClient(url: given)
        } catch {
            #expect(error.description.hasPrefix("invalid agent URL '\(given)': \(reason)"))
        }
    }
}

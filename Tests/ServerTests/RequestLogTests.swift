import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import Server

/// Keeps every log record in memory.
final class LogRecorder: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = Mutex<[Record]>([])
    var records: [Record] { storage.withLock { $0 } }

    func append(_ record: Record) { storage.withLock { $0.append(record) } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(Record(level: event.level, message: "\(event.message)",
                                   metadata: merged.mapValues { "\($0)" }))
        }
    }
}

@Suite struct RequestLogTests {
    private func run(_ recorder: LogRecorder, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = makeServerRouter(controlPlane: try FakeControlPlane(), configuration: .init(token: testToken))
        let app = Application(router: router, logger: recorder.logger)
        try await app.test(.router, body)
    }

    @Test func everyRequestIsLoggedOnceWithStatusRouteAndDuration() async throws {
        let recorder = LogRecorder()
        try await run(recorder) { client in
            try await client.execute(uri: "/v1/adapters/default", method: .get) { #expect($0.status == .ok) }
        }
        let lines = recorder.records.filter { $0.metadata["http.path"] == "/v1/adapters/default" }
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.message == "GET /v1/adapters/default 200")
        #expect(line.level == .debug)
        #expect(line.metadata["http.route"] == "/v1/adapters/{name}")
        #expect(line.metadata["http.status"] == "200")
        #expect(Double(line.metadata["http.duration_ms"] ?? "") != nil)
        #expect(line.metadata["hb.request.id"] != nil)
    }

    @Test func mutationsLogAtInfoAndNeverLogTheToken() async throws {
        let recorder = LogRecorder()
        try await run(recorder) { client in
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post,
                                     headers: [.authorization: "Bearer \(testToken)"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/adapters/default/rollback", method: .post,
                                     headers: [.authorization: "Bearer guess-\(testToken)"]) { #expect($0.status == .unauthorized) }
        }
        let requestLines = recorder.records.filter { $0.metadata["http.route"] == "/v1/adapters/{name}/rollback" }
        #expect(requestLines.map(\.message) == ["POST /v1/adapters/default/rollback 200",
                                                 "POST /v1/adapters/default/rollback 401"])
        #expect(requestLines.allSatisfy { $0.level == .info })
        #expect(recorder.records.contains { $0.level == .notice && $0.message == "rolled back adapter" })
        #expect(recorder.records.contains { $0.level == .warning && $0.message.contains("wrong bearer token") })
        for record in recorder.records {
            #expect(!record.message.contains(testToken))
            #expect(!record.metadata.values.contains { $0.contains(testToken) })
        }
    }
}

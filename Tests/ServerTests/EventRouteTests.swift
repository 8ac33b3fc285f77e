import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Monitor
import Testing

@testable import Server

/// `GET /v1/events` merges the control plane's journal with the recorder's alarms, newest first;
/// `GET /v1/history` serves the recorder's bounded curves.
@Suite struct EventRouteTests {
    static func withRecorder<Value: Sendable>(
        _ plane: FakeControlPlane, _ recorder: StatusRecorder,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = Application(router: makeServerRouter(controlPlane: plane, recorder: recorder))
        return try await app.test(.router, body)
    }

    @Test func eventsMergeJournalAndRecorderNewestFirst() async throws {
        let plane = try FakeControlPlane()
        let recorder = StatusRecorder()
        var status = try await plane.status()
        recorder.record(status: status, drift: [], at: FakeControlPlane.created.addingTimeInterval(30))
        status.ready = false
        status.dlqMessages = 5
        recorder.record(status: status, drift: [], at: FakeControlPlane.created.addingTimeInterval(90))
        try await Self.withRecorder(plane, recorder) { client in
            try await client.execute(uri: "/v1/events", method: .get) { response in
                #expect(response.status == .ok)
                let list = try JSONDecoder.iso.decode(EventList.self, from: Data(response.text.utf8))
                #expect(list.events.map(\.kind) == ["reject", "ready", "dead_letter", "promote"]
                        || list.events.map(\.kind) == ["reject", "dead_letter", "ready", "promote"])
                #expect(list.events.first?.cause == "gate")
                #expect(list.events.contains { $0.kind == "dead_letter" && $0.message.hasPrefix("3 record(s)") })
            }
            try await client.execute(uri: "/v1/events?adapter=default&limit=1", method: .get) { response in
                let list = try JSONDecoder.iso.decode(EventList.self, from: Data(response.text.utf8))
                #expect(list.events.map(\.kind) == ["reject"])
            }
            try await client.execute(uri: "/v1/events?limit=0", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("'limit'"))
            }
            try await client.execute(uri: "/v1/events?adapter=nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func historyIsBoundedAndServedToEveryClient() async throws {
        let plane = try FakeControlPlane()
        let recorder = StatusRecorder(interval: .seconds(2), capacity: 3)
        for i in 0..<5 {
            var status = try await plane.status()
            status.adapters[0].examplesSeen = 100 * i
            recorder.record(status: status, drift: plane.driftReports, at: FakeControlPlane.created.addingTimeInterval(Double(i)))
        }
        try await Self.withRecorder(plane, recorder) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/history", method: .get) { response in
                    let history = try JSONDecoder.iso.decode(HistoryList.self, from: Data(response.text.utf8))
                    #expect(history.capacity == 3 && history.intervalSeconds == 2)
                    let points = try #require(history.adapters["default"])
                    #expect(points.map(\.examplesSeen) == [200, 300, 400])
                    #expect(points.last?.liveVersion == "000002" && points.last?.accuracy == 0.75)
                    #expect(points.last?.labelJSDivergence == plane.driftReports[0].label?.jsDivergence)
                }
            }
        }
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

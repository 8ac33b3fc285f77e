import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Monitor
import Testing

@testable import Server

@Suite struct ReadRouteTests {
    @Test func statusHasTheDocumentedShape() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let expected = #"""
                {"started_at": "2027-01-15T08:00:00Z", "uptime_seconds": 42.5, "ready": true, "pipeline": "demo",
                 "topic": "examples", "default_adapter": "default", "base_model": "all-MiniLM-L6-v2",
                 "adapters": [{
                   "name": "default", "live_version": "000002", "labels": ["negative", "positive"],
                   "examples_seen": 1234, "examples_trained": 1170, "examples_skipped": 3, "holdout_examples": 64, "steps": 146,
                   "last_train_loss": 0.25,
                   "prequential": {"cumulative": {"count": 1234, "accuracy": 0.75, "log_loss": 0.5},
                                   "windowed": {"count": 500, "accuracy": 0.875, "log_loss": 0.375}, "window": 500,
                                   "label_counts": {}},
                   "last_snapshot": {"version": "000003", "created_at": "2027-01-15T08:02:00Z", "status": "rejected",
                                     "examples_trained": 300},
                   "partitions": [{"topic": "examples", "partition": 0, "position": 1000, "high_watermark": 1010,
                                   "committed": null, "lag": 10}],
                   "held_out": 0, "skipped_redeliveries": 0, "skipped_steps": 0, "cross_adapter_steps": 0, "snapshots": 0,
                   "snapshot_failures": 0, "promotions": 0, "rejections": 0, "rollbacks": 0, "declined_rollbacks": 0,
                   "adaptations": 0, "last_decision": null, "curve": []}],
                 "dlq_messages": 2, "dlq_by_reason": {}, "consumed": 0, "unsupported_inputs": 0, "partitions": [],
                 "committed": {}, "stalled_partitions": {}, "partition_alarms": {}, "brokers_reachable": null,
                 "consumer_group": null, "consumer_errors": 0, "trainer_loads": 0, "errors": 0, "last_error": null}
                """#
                try expectJSON(response.text, expected)
            }
        }
    }

    @Test func statusWritesNullsForUnknownValues() throws {
        let status = AgentStatus(startedAt: FakeControlPlane.created, uptimeSeconds: 0, ready: false,
                                 adapters: [AdapterStatus(name: "fresh")])
        let json = String(decoding: try JSONResponse.makeEncoder().encode(status), as: UTF8.self)
        let expected = #"""
        {"started_at": "2027-01-15T08:00:00Z", "uptime_seconds": 0, "ready": false, "pipeline": null, "topic": null,
         "default_adapter": null, "base_model": null,
         "adapters": [{"name": "fresh", "live_version": null, "labels": [], "examples_seen": 0, "examples_trained": 0,
           "examples_skipped": 0, "holdout_examples": 0, "steps": 0, "last_train_loss": null,
           "prequential": {"cumulative": {"count": 0, "accuracy": null, "log_loss": null},
                           "windowed": {"count": 0, "accuracy": null, "log_loss": null}, "window": 0,
                           "label_counts": {}},
           "last_snapshot": null, "partitions": [],
           "held_out": 0, "skipped_redeliveries": 0, "skipped_steps": 0, "cross_adapter_steps": 0, "snapshots": 0,
           "snapshot_failures": 0, "promotions": 0, "rejections": 0, "rollbacks": 0, "declined_rollbacks": 0,
           "adaptations": 0, "last_decision": null, "curve": []}],
         "dlq_messages": 0, "dlq_by_reason": {}, "consumed": 0, "unsupported_inputs": 0, "partitions": [],
         "committed": {}, "stalled_partitions": {}, "partition_alarms": {}, "brokers_reachable": null,
         "consumer_group": null, "consumer_errors": 0, "trainer_loads": 0, "errors": 0, "last_error": null}
        """#
        try expectJSON(json, expected)
    }

    @Test func consumerGroupStatusAndTheReasonItGives() throws {
        var status = AgentStatus(startedAt: FakeControlPlane.created, ready: true)
        status.consumerGroup = ConsumerGroupStatus(state: "up", stateSeconds: 238.6, joinState: "wait-join", rebalances: 0)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONResponse.makeEncoder().encode(status)) as? [String: Any])
        let group = try #require(object["consumer_group"] as? [String: Any])
        #expect(group["join_state"] as? String == "wait-join" && group["state"] as? String == "up")
        #expect(group["state_seconds"] as? Double == 238.6 && group["rebalances"] as? Int == 0)
        #expect(group["last_rebalance_reason"] is NSNull)
        // An agent assigned nothing says what its group membership waits for.
        #expect(status.notReadyReasons == ["no partition of the topic is assigned to this agent; consumer group: up for 238 s, join state wait-join, 0 rebalances"])
        status.consumerGroup?.lastRebalanceReason = "group is rebalancing"
        status.consumerGroup?.rebalances = 1
        #expect(status.consumerGroup?.description == "up for 238 s, join state wait-join, 1 rebalance (last: group is rebalancing)")
        let group2 = try #require(status.consumerGroup)
        #expect(try JSONDecoder().decode(ConsumerGroupStatus.self, from: JSONResponse.makeEncoder().encode(group2)) == group2)
    }

    @Test func nonFiniteMetricsDoNotBreakTheStatusPage() throws {
        let values = MetricValues(count: 3, accuracy: 0.5, logLoss: .nan)
        let json = String(decoding: try JSONResponse.makeEncoder().encode(values), as: UTF8.self)
        try expectJSON(json, #"{"count": 3, "accuracy": 0.5, "log_loss": "NaN"}"#)
    }

    @Test func driftListsEveryAdapterReportUnchanged() async throws {
        let plane = try FakeControlPlane()
        let expected = plane.driftReports
        try await withServer(plane) { client in
            try await client.execute(uri: "/v1/drift", method: .get) { response in
                #expect(response.status == .ok)
                let list = try JSONDecoder().decode(DriftList.self, from: Data(response.text.utf8))
                #expect(list.reports == expected)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
                #expect(Array(object.keys) == ["reports"])
                let first = try #require((object["reports"] as? [[String: Any]])?.first)
                #expect(first["adapter"] as? String == "default")
                #expect((first["label"] as? [String: Any])?["js_divergence"] is Double)
                #expect((first["thresholds"] as? [String: Any])?["psi_alert"] as? Double == 0.25)
            }
        }
    }

    @Test func driftFiltersByAdapter() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/drift?adapter=spam", method: .get) { response in
                #expect(response.status == .ok)
                let list = try JSONDecoder().decode(DriftList.self, from: Data(response.text.utf8))
                #expect(list.reports.map(\.adapter) == ["spam"])
            }
        }
    }

    @Test func driftForUnknownAdapterIs404() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/drift?adapter=ghost", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.errorMessage == "unknown adapter 'ghost'")
            }
        }
    }

    @Test(arguments: ["", "..%2Fetc", "a%20b"])
    func driftRefusesAnInvalidAdapterName(_ name: String) async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/drift?adapter=\(name)", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.hasPrefix("invalid query parameter 'adapter'") == true)
            }
        }
    }

    @Test func adaptersListsNameLiveVersionAndLoRA() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters", method: .get) { response in
                #expect(response.status == .ok)
                let expected = #"""
                {"adapters": [
                  {"name": "default", "live_version": "000002", "latest_version": "000003", "version_count": 3,
                   "labels": ["negative", "positive"], "is_default": true,
                   "lora": {"r": 8, "lora_alpha": 16, "target_modules": ["query", "value"],
                            "trainable_parameters": 74498, "total_parameters": 22787714}},
                  {"name": "spam", "live_version": null, "latest_version": null, "version_count": 0,
                   "labels": ["ham", "spam"], "is_default": false, "lora": null}]}
                """#
                try expectJSON(response.text, expected)
            }
        }
    }

    @Test func adapterDetailListsVersions() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/default", method: .get) { response in
                #expect(response.status == .ok)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
                #expect(Set(object.keys) == ["adapter", "versions"])
                #expect((object["adapter"] as? [String: Any])?["name"] as? String == "default")
                let versions = try #require(object["versions"] as? [[String: Any]])
                #expect(versions.count == 3)
                let second = try JSONSerialization.data(withJSONObject: versions[1], options: [.sortedKeys])
                let expected = #"""
                {"version": "000002", "parent": "000001", "created_at": "2027-01-15T08:01:00Z", "status": "live",
                 "is_live": true, "examples_trained": 200, "steps": 20,
                 "holdout": {"count": 20, "accuracy": 0.625, "log_loss": 0.75, "live": null}, "prequential": null, "reason": null}
                """#
                try expectJSON(String(decoding: second, as: UTF8.self), expected)
            }
        }
    }

    @Test func unknownAdapterDetailIs404NamingTheKnownOnes() async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/ghost", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.errorMessage == "unknown adapter 'ghost' (known: default, spam)")
            }
        }
    }

    @Test(arguments: [".hidden", "a%20b", "x%2Fy"])
    func invalidAdapterNameInThePathIs400(_ name: String) async throws {
        try await withServer(try FakeControlPlane()) { client in
            try await client.execute(uri: "/v1/adapters/\(name)", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.hasPrefix("invalid adapter name") == true, "\(response.text)")
            }
        }
    }
}

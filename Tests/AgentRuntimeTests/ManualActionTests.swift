import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A manual rollback over HTTP is an operator's decision like any other: the agent logs it, the
/// journal records it, `/v1/events` shows it with cause `manual`, and `/metrics` counts it by cause.
@Suite("Manual actions are logged, journaled and counted")
struct ManualActionTests {
    @Test("manual rollback over HTTP: agent log, /v1/events cause manual, streamlora_rollbacks_total{cause=\"manual\"}")
    func manualRollbackIsVisibleEverywhere() async throws {
        let agent = try await RunningAgent.start("manual", examples: 300, environment: ["STREAMLORA_TOKEN": "t0ken"])
        let before = try await agent.get("/metrics").body
        #expect(before.contains(#"streamlora_rollbacks_total{adapter="default",cause="manual"} 0"#), "\(before)")

        var request = URLRequest(url: agent.baseURL.appendingPathComponent("v1/adapters/default/rollback"))
        request.httpMethod = "POST"
        request.setValue("Bearer t0ken", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"reason": "operator test"}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        let body = String(decoding: data, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(body)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let target = try #require((result["live"] as? [String: Any])?["version"] as? String)

        let after = try await agent.get("/metrics").body
        #expect(after.contains(#"streamlora_rollbacks_total{adapter="default",cause="manual"} 1"#), "\(after)")
        let events = try await agent.json("/v1/events?adapter=default&limit=20")
        let rollback = try #require((events["events"] as? [[String: Any]])?.first { $0["kind"] as? String == "rollback" })
        #expect(rollback["cause"] as? String == "manual" && rollback["version"] as? String == target, "\(rollback)")
        #expect((rollback["message"] as? String)?.contains("operator test") == true)
        #expect(agent.serve.logContains("manual rollback"), "agent log: \(agent.serve.logTail())")
        #expect(try await agent.stop() == 0)
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestCorpora
import Testing

/// `ops/monitoring` against the real thing: a Prometheus server (Debian's `prometheus`) scrapes a
/// running agent, and every metric that the Grafana dashboard and the alert rules use must exist
/// there with data; the rules must load and evaluate; `promtool` must accept the rules and the
/// exposition. The agent also tells a `NOTIFY_SOCKET` it is ready and, on SIGTERM, stopping.
@Suite("Prometheus and systemd integration", .serialized)
struct PrometheusScrapeTests {
    static let monitoring = TestPaths.repositoryRoot.appendingPathComponent("ops/monitoring")

    /// Metric names in the dashboard's and the rules' expressions.
    static func usedMetrics() throws -> Set<String> {
        let dashboard = try String(contentsOf: monitoring.appendingPathComponent("grafana-dashboard.json"), encoding: .utf8)
        let rules = try String(contentsOf: monitoring.appendingPathComponent("streamlora-rules.yml"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: "streamlora_[a-z0-9_]+")
        var names = Set<String>()
        for text in [dashboard, rules] {
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                names.insert(String(text[Range(m.range, in: text)!]))
            }
        }
        names.remove("streamlora_rules")  // not a metric: none today, but a file name must never count
        return names
    }

    @Test("Prometheus scrapes the agent; every metric of the dashboard and the rules has data; rules evaluate")
    func prometheusScrapesEveryUsedMetric() async throws {
        let used = try Self.usedMetrics()
        #expect(used.count >= 20, "the dashboard and rules should use the exported families: \(used.sorted())")
        let notify = try NotifySocket()
        let agent = try await RunningAgent.start("prometheus", environment: ["NOTIFY_SOCKET": notify.path])
        #expect(notify.received.contains { $0.contains("READY=1") }, "datagrams: \(notify.received)")

        let dir = agent.dir
        try FileManager.default.copyItem(at: Self.monitoring.appendingPathComponent("streamlora-rules.yml"),
                                         to: dir.path("streamlora-rules.yml"))
        try """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        rule_files: [streamlora-rules.yml]
        scrape_configs:
          - job_name: streamlora
            static_configs: [{targets: ["127.0.0.1:\(agent.port)"]}]
        """.write(to: dir.path("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try freeTCPPort()
        let prometheus = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/prometheus"),
            ["--config.file=\(dir.path("prometheus.yml").path)", "--storage.tsdb.path=\(dir.path("tsdb").path)",
             "--web.listen-address=127.0.0.1:\(port)"],
            log: dir.path("prometheus.log"), name: "prometheus")
        defer { prometheus.send(SIGKILL) }
        let api = "http://127.0.0.1:\(port)/api/v1"

        var missing = used
        let complete = try await agent.poll(180) {
            for name in missing where try await Self.query(api, name) > 0 { missing.remove(name) }
            let up = try await Self.query(api, #"up{job="streamlora"} == 1"#)
            return missing.isEmpty && up == 1
        }
        #expect(complete, "no data in Prometheus for \(missing.sorted()); prometheus log:\n\(prometheus.logTail())")

        let rules = try await Self.get("\(api)/rules")
        let groups = ((rules["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
        let loaded = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        #expect(loaded.count == 6)
        let evaluated = try await agent.poll(60) {
            let now = try await Self.get("\(api)/rules")
            let all = ((now["data"] as? [String: Any])?["groups"] as? [[String: Any]])?.flatMap { $0["rules"] as? [[String: Any]] ?? [] } ?? []
            return !all.isEmpty && all.allSatisfy { $0["health"] as? String == "ok" }
        }
        #expect(evaluated, "every rule should evaluate without error: \(loaded.map { ($0["name"] ?? "", $0["lastError"] ?? "") })")

        #expect(try await agent.stop() == 0)
        #expect(notify.received.contains { $0.contains("STOPPING=1") }, "datagrams: \(notify.received)")
    }

    @Test("promtool accepts the alert rules and the agent's exposition")
    func promtoolChecks() async throws {
        let rules = try run("/usr/bin/promtool", ["check", "rules", Self.monitoring.appendingPathComponent("streamlora-rules.yml").path])
        #expect(rules.status == 0, "promtool check rules: \(rules.output)")
        #expect(rules.output.contains("SUCCESS: 6 rules found"))

        let agent = try await RunningAgent.start("promtool", examples: 300)
        let metrics = try await agent.get("/metrics")
        #expect(metrics.status == 200)
        let lint = try run("/usr/bin/promtool", ["check", "metrics"], input: metrics.body)
        #expect(lint.status == 0 && lint.output.isEmpty, "promtool check metrics:\n\(lint.output)")
        #expect(metrics.body.contains("# TYPE streamlora_http_request_duration_seconds histogram"))
        #expect(metrics.body.contains(#"streamlora_dead_lettered_total{reason="invalid_json"} "#))
        #expect(try await agent.stop() == 0)
    }

    @Test("systemd-analyze verify accepts ops/systemd/streamlora.service")
    func systemdUnitVerifies() throws {
        let dir = try TemporaryDirectory("unit")
        let unit = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("ops/systemd/streamlora.service"),
                              encoding: .utf8)
        #expect(unit.contains("Type=notify"))
        // Verify checks that ExecStart exists: point it at the binary this test run built.
        let local = unit.replacingOccurrences(of: "/opt/streamlora/bin/streamlora", with: try TestPaths.streamloraExecutable().path)
        try local.write(to: dir.path("streamlora.service"), atomically: true, encoding: .utf8)
        let verify = try run("/usr/bin/systemd-analyze", ["verify", dir.path("streamlora.service").path])
        #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify:\n\(verify.output)")
    }

    /// Number of series an instant query returns.
    static func query(_ api: String, _ expression: String) async throws -> Int {
        var components = URLComponents(string: "\(api)/query")!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        let body = try await get(components.url!.absoluteString)
        return ((body["data"] as? [String: Any])?["result"] as? [Any])?.count ?? 0
    }

    static func get(_ url: String) async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}

/// Runs a tool to completion; stdout and stderr together.
func run(_ tool: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let stdin = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A datagram socket standing in for systemd's `NOTIFY_SOCKET`, collecting what the agent sends.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var messages: [String] = []

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        guard fd >= 0, ok else { throw TestFailure("cannot bind \(path)") }
        let socketFD = self.fd
        Thread { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(socketFD, &buffer, buffer.count, 0)
                guard n > 0, let self else { return }
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                self.lock.lock(); self.messages.append(text); self.lock.unlock()
            }
        }.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    var received: [String] {
        lock.lock(); defer { lock.unlock() }
        return messages
    }
}

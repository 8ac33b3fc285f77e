import Foundation
import Testing

/// The dashboard in a real browser (Debian's headless Chromium) against a running agent: the page
/// renders the live version, the curves and the versions table, shows the journal's events
/// (served by the agent, so they survive a reload), and logs no console error.
@Suite("Dashboard in headless Chromium")
struct DashboardChromiumTests {
    /// Renders `url` headless and returns the DOM after the page's scripts ran, and Chromium's log.
    static func render(_ url: URL, profile: URL) throws -> (dom: String, log: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
            // Virtual time: timers run as fast as the page allows; fetches still complete for real.
            "--virtual-time-budget=12000", "--window-size=1400,2400", "--dump-dom", url.absoluteString,
        ]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let log = Shared("")
        let reader = Thread { log.set(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) }
        reader.start()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        while reader.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        return (dom, log.get())
    }

    @Test("the page renders live version, curves, versions and journal events from a running agent; no console errors")
    func dashboardRendersFromRunningAgent() async throws {
        let agent = try await RunningAgent.start("chromium")
        func live() async throws -> String {
            let status = try await agent.json("/v1/status")
            return try #require((status["adapters"] as? [[String: Any]])?.first?["live_version"] as? String)
        }

        // A second browser profile is a reload in another browser: same history, same events.
        var renders: [(dom: String, log: String, live: Set<String>)] = []
        for i in 0..<2 {
            // The agent may still promote a time-triggered snapshot: the page shows the version live
            // before or after it rendered.
            let before = try await live()
            let r = try Self.render(agent.baseURL, profile: agent.dir.path("chromium-\(i)"))
            renders.append((r.dom, r.log, [before, try await live()]))
        }
        for (i, r) in renders.enumerated() {
            let shown = r.live.filter { r.dom.contains(#"<div class="k">Live version</div><div class="v"><span class="mono">\#($0)</span>"#) }
            #expect(shown.count == 1, "render \(i): live version \(r.live.sorted()) not shown")
            let live = shown.first ?? "none"
            #expect(r.dom.contains(#"id="pill-ready" class="pill ok">ready<"#), "render \(i): readiness pill not rendered")
            // Curves: the accuracy chart holds an SVG with a drawn line, fed from /v1/history at least.
            let acc = try #require(Self.element("chart-acc", in: r.dom), "render \(i): no accuracy chart")
            #expect(acc.contains("<svg") && acc.contains("<path"), "render \(i): accuracy chart has no line: \(acc.prefix(400))")
            // Versions table: a row for the live version with the live mark.
            let versions = try #require(Self.element("versions", in: r.dom))
            #expect(versions.contains("<table>") && versions.contains(live) && versions.contains("livemark"),
                    "render \(i): versions table: \(versions.prefix(400))")
            // Drift tests: the label and every input feature's G-test with statistic, alert cut,
            // p-value and severity, and one row per concept detector (statistic against threshold).
            let tests = try #require(Self.element("drift-tests", in: r.dom), "render \(i): no drift tests panel")
            #expect(tests.contains("<td>label</td><td>G-test, df "), "render \(i): no label test row: \(tests.prefix(600))")
            for feature in ["token_length", "oov_rate", "projection 0", "projection 1"] {
                #expect(tests.contains("<td>input · \(feature)</td><td>G-test, Holm</td>"), "render \(i): no \(feature) row")
            }
            #expect(tests.contains("concept · ") && tests.contains(" on error</td>"), "render \(i): no concept rows")
            let pValues = tests.matches(of: /<td class="num mono">(\d\.\d{4}|\d\.\de-\d+)<\/td><td><span class="badge (ok|warn|alert)">/)
            #expect(pValues.count >= 5, "render \(i): \(pValues.count) p-values with a severity: \(tests.prefix(800))")
            #expect(tests.contains(#"<td class="num">p &lt; 0.0001</td>"#) || tests.contains("<td class=\"num\">p &lt; 1.0e-4</td>"),
                    "render \(i): the alert cut is not shown: \(tests.prefix(800))")
            // Events from the journal (server side), not only from this page's polls.
            let events = try #require(Self.element("events", in: r.dom))
            #expect(events.contains(">promote<"), "render \(i): no promotion in the events: \(events.prefix(600))")
            let consoleLines = r.log.split(separator: "\n").filter {
                $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Refused to")
            }
            #expect(consoleLines.isEmpty, "render \(i): console output:\n\(consoleLines.joined(separator: "\n"))")
        }
        #expect(try await agent.stop() == 0)
    }

    /// The inner HTML of the element with `id` (up to its matching close tag, naively by depth).
    static func element(_ id: String, in dom: String) -> String? {
        guard let start = dom.range(of: #"id="\#(id)""#) else { return nil }
        return String(dom[start.upperBound...].prefix(20_000))
    }
}

/// A value shared with a reader thread.
private final class Shared<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
}

import API
import ArgumentParser
import Foundation
import Server

/// `streamlora status`: what a running agent is doing, per adapter, from its control plane
/// (`GET /v1/status`, plus the counters of `GET /metrics` that the status does not carry).
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running agent's adapters: live version, progress, prequential accuracy, lag.",
        discussion: """
        Asks the agent's HTTP control plane (`streamlora serve` or `streamlora demo`). The agent \
        is found at --url, else $STREAMLORA_URL, else \(ControlPlaneClient.defaultURL). With --json \
        the server's /v1/status document is printed unchanged.
        """
    )

    @OptionGroup var agent: AgentOptions

    @Flag(name: .long, help: "Print the server's JSON (GET /v1/status) unchanged.")
    var json = false

    func run() async throws {
        let client = try agent.client()
        if json {
            let fetched = try await client.get(AgentStatus.self, ControlPlaneClient.statusPath)
            printBody(fetched.response)
            return
        }
        async let counters = Self.counters(client)
        let status = try await client.status()
        print(Self.render(status, counters: await counters, url: client.baseURL))
    }

    /// The `/metrics` samples, or why they could not be had (the table then shows `-`).
    private static func counters(_ client: ControlPlaneClient) async -> Result<[MetricSample], ControlPlaneClientError> {
        do throws(ControlPlaneClientError) {
            return .success(try await client.metricSamples())
        } catch {
            return .failure(error)
        }
    }

    /// The human view: one line for the agent, one table row per adapter.
    static func render(_ status: AgentStatus, counters: Result<[MetricSample], ControlPlaneClientError>,
                       url: String) -> String {
        var head = "agent \(url)  \(status.ready ? "ready" : "NOT READY")  up \(duration(status.uptimeSeconds))"
        if let pipeline = status.pipeline { head += "  pipeline \(pipeline)" }
        if let topic = status.topic { head += "  topic \(topic)" }
        if let base = status.baseModel { head += "  base \(base)" }
        if let adapter = status.defaultAdapter { head += "  default adapter \(adapter)" }
        head += "  dead-lettered \(status.dlqMessages)"
        guard !status.adapters.isEmpty else { return head + "\n\nno adapters yet (nothing consumed)" }

        let samples = (try? counters.get()) ?? []
        var table = TextTable(
            header: ["ADAPTER", "LIVE", "SEEN", "TRAINED", "HOLDOUT", "STEPS", "ACC", "ACC(WIN)", "LOG-LOSS",
                     "SNAP", "PROM", "REJ", "RB", "LAST SNAPSHOT", "LAG"],
            rightAligned: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14])
        for a in status.adapters {
            func count(_ family: String) -> String {
                samples.sum("streamlora_\(family)_total", ["adapter": a.name]).map { String(Int($0)) } ?? "-"
            }
            let lags = a.partitions.compactMap(\.lag)
            let snapshot = a.lastSnapshot.map { "\($0.version) \($0.status.rawValue)" } ?? "-"
            table.rows.append([
                a.name, a.liveVersion ?? "-", String(a.examplesSeen), String(a.examplesTrained),
                String(a.holdoutExamples), String(a.steps), fixed(a.prequential.cumulative.accuracy),
                fixed(a.prequential.windowed.accuracy), fixed(a.prequential.cumulative.logLoss),
                count("snapshots"), count("promotions"), count("rejections"), count("rollbacks"), snapshot,
                lags.isEmpty ? "-" : String(lags.reduce(0, +)),
            ])
        }
        var out = head + "\n\n" + table.render()
        let window = status.adapters.map(\.prequential.window).max() ?? 0
        out += "\n\nACC = prequential accuracy over all examples; ACC(WIN) over the last \(window); "
            + "SNAP/PROM/REJ/RB = snapshots, promotions, rejections, rollbacks"
        if case .failure(let error) = counters {
            out += "\n(snapshot counters unavailable: \(error))"
        }
        return out
    }

    /// `1h 02m`, `3m 05s`, `42s`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.down))
        if s >= 3600 { return String(format: "%dh %02dm", s / 3600, s % 3600 / 60) }
        if s >= 60 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}

/// `--url` and `--timeout`, shared by the commands that ask a running agent.
struct AgentOptions: ParsableArguments {
    @Option(name: .long, help: "The agent's control plane (default: $STREAMLORA_URL, else \(ControlPlaneClient.defaultURL)).")
    var url: String?

    @Option(name: .long, help: "Seconds to wait for an answer.")
    var timeout: Double = 10

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// The URL from `--url`, else `STREAMLORA_URL`, else the default.
    var resolvedURL: String {
        if let url { return url }
        if let env = ProcessInfo.processInfo.environment["STREAMLORA_URL"], !env.isEmpty { return env }
        return ControlPlaneClient.defaultURL
    }

    func client() throws -> ControlPlaneClient {
        try ControlPlaneClient(url: resolvedURL, timeout: .milliseconds(Int64(timeout * 1000)))
    }
}

/// Writes an answer's body to stdout as the server sent it, ending in one newline.
func printBody(_ response: ControlPlaneHTTPResponse) {
    var bytes = response.body
    if bytes.last != 0x0A { bytes.append(0x0A) }
    FileHandle.standardOutput.write(Data(bytes))
}

/// Four decimals, or `-` when there is no value yet.
func fixed(_ value: Double?) -> String {
    value.map { String(format: "%.4f", $0) } ?? "-"
}

/// A plain-text table with columns padded to their widest cell.
struct TextTable {
    var header: [String]
    /// Indices of columns whose cells are right-aligned (numbers).
    var rightAligned: Set<Int> = []
    var rows: [[String]] = []

    func render(indent: String = "") -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            let cells = header.indices.map { column -> String in
                let cell = row.indices.contains(column) ? row[column] : ""
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }
            var line = indent + cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

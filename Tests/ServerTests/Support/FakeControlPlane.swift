import API
import Foundation
import Monitor
@testable import Server

/// An in-memory agent for driving the HTTP layer: two adapters (`default` with three versions,
/// `spam` with none live), switchable readiness, fixed metrics text and real drift reports from
/// Monitor's `DriftMonitor`.
actor FakeControlPlane: ControlPlane {
    static let created = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    struct Adapter {
        var info: AdapterInfo
        var versions: [VersionInfo]
    }

    private(set) var adapterState: [String: Adapter]
    private(set) var isReady = true
    private(set) var calls: [String] = []
    /// When set, `status()` and `ready()` throw it (an agent whose internals broke).
    private(set) var failure: FakeFailure?
    let metricsText: String
    let driftReports: [DriftReport]

    init(metricsText: String = "# HELP streamlora_examples_total Examples seen.\n# TYPE streamlora_examples_total counter\nstreamlora_examples_total{adapter=\"default\"} 1234\n") throws {
        self.metricsText = metricsText
        var versions: [VersionInfo] = []
        for (i, status) in [VersionStatus.superseded, .live, .rejected].enumerated() {
            versions.append(VersionInfo(
                version: String(format: "%06d", i + 1), parent: i == 0 ? nil : String(format: "%06d", i),
                createdAt: Self.created.addingTimeInterval(Double(i) * 60), status: status, isLive: status == .live,
                examplesTrained: (i + 1) * 100, steps: (i + 1) * 10,
                holdout: HoldoutMetrics(MetricValues(count: 20, accuracy: 0.5 + 0.125 * Double(i), logLoss: 0.75)),
                prequential: nil, reason: status == .rejected ? "holdout accuracy below live" : nil))
        }
        adapterState = [
            "default": Adapter(
                info: AdapterInfo(name: "default", liveVersion: "000002", latestVersion: "000003", versionCount: 3,
                                  labels: ["negative", "positive"], isDefault: true,
                                  lora: LoRAInfo(rank: 8, alpha: 16, targetModules: ["query", "value"],
                                                 trainableParameters: 74_498, totalParameters: 22_787_714)),
                versions: versions),
            "spam": Adapter(info: AdapterInfo(name: "spam", labels: ["ham", "spam"]), versions: []),
        ]
        driftReports = try ["default", "spam"].map(Self.driftReport)
    }

    /// A drift report after 300 observations: the reference (200) froze, the current window holds
    /// 100, labels shifted towards `positive`.
    static func driftReport(adapter: String) throws -> DriftReport {
        var configuration = DriftMonitorConfiguration()
        configuration.referenceSize = 200
        configuration.currentSize = 100
        configuration.minimumCurrentCount = 50
        configuration.projections = 0
        var monitor = try DriftMonitor(adapter: adapter, configuration: configuration)
        for i in 0..<300 {
            let label = i < 200 ? (i % 2 == 0 ? "positive" : "negative") : (i % 4 == 0 ? "negative" : "positive")
            monitor.observe(DriftObservation(label: label, error: i % 5 == 0, loss: 0.4, tokenLength: 10 + i % 7,
                                             oovRate: 0.01, embedding: nil))
        }
        return monitor.report()
    }

    func setReady(_ ready: Bool) { isReady = ready }

    func setFailure(_ failure: FakeFailure?) { self.failure = failure }

    func status() async throws -> AgentStatus {
        if let failure { throw failure }
        return AgentStatus(
            startedAt: Self.created, uptimeSeconds: 42.5, ready: isReady, pipeline: "demo", topic: "examples",
            defaultAdapter: "default", baseModel: "all-MiniLM-L6-v2",
            adapters: [AdapterStatus(
                name: "default", liveVersion: "000002", labels: ["negative", "positive"], examplesSeen: 1234,
                examplesTrained: 1170, examplesSkipped: 3, holdoutExamples: 64, steps: 146, lastTrainLoss: 0.25,
                prequential: PrequentialSummary(cumulative: MetricValues(count: 1234, accuracy: 0.75, logLoss: 0.5),
                                                windowed: MetricValues(count: 500, accuracy: 0.875, logLoss: 0.375),
                                                window: 500),
                lastSnapshot: SnapshotStatus(version: "000003", createdAt: Self.created.addingTimeInterval(120),
                                             status: .rejected, examplesTrained: 300),
                partitions: [PartitionLag(topic: "examples", partition: 0, position: 1000, highWatermark: 1010)])],
            dlqMessages: 2)
    }

    func ready() async throws -> Bool {
        if let failure { throw failure }
        return isReady
    }

    func predict(_ request: PredictRequest) async throws -> PredictResponse {
        calls.append("predict \(request.adapter ?? "-") \(request.texts.count)")
        let name = request.adapter ?? "default"
        guard let adapter = adapterState[name] else { throw ControlPlaneError.notFound("unknown adapter '\(name)'") }
        guard let live = adapter.info.liveVersion else {
            throw ControlPlaneError.unavailable("adapter '\(name)' has no live version yet")
        }
        let predictions = request.texts.map { text in
            let positive = text.lowercased().contains("good")
            return Prediction(label: positive ? "positive" : "negative",
                              scores: ["positive": positive ? 0.75 : 0.25, "negative": positive ? 0.25 : 0.75],
                              version: live)
        }
        return PredictResponse(adapter: name, version: live, predictions: predictions)
    }

    func adapters() async throws -> [AdapterInfo] {
        adapterState.values.map(\.info).sorted { $0.name < $1.name }
    }

    func versions(adapter: String) async throws -> [VersionInfo] {
        guard let state = adapterState[adapter] else { throw ControlPlaneError.notFound("unknown adapter '\(adapter)'") }
        return state.versions
    }

    func promote(adapter: String, version: String, reason: String?) async throws -> VersionInfo {
        calls.append("promote \(adapter) \(version) \(reason ?? "-")")
        let index = try versionIndex(adapter, version)
        guard adapterState[adapter]!.versions[index].status != .rejected else {
            throw ControlPlaneError.conflict("version \(adapterState[adapter]!.versions[index].version) was rejected by the gate")
        }
        return makeLive(adapter, index, reason: reason)
    }

    func rollback(adapter: String, to version: String?, reason: String?) async throws -> VersionInfo {
        calls.append("rollback \(adapter) \(version ?? "-") \(reason ?? "-")")
        let index: Int
        if let version {
            index = try versionIndex(adapter, version)
        } else {
            let versions = adapterState[adapter]!.versions
            guard let live = versions.firstIndex(where: \.isLive),
                  let previous = versions[..<live].lastIndex(where: { $0.status != .rejected })
            else { throw ControlPlaneError.conflict("adapter '\(adapter)' has no earlier good version") }
            index = previous
        }
        return makeLive(adapter, index, reason: reason)
    }

    func drift(adapter: String?) async throws -> [DriftReport] {
        guard let adapter else { return driftReports }
        guard adapterState[adapter] != nil else { throw ControlPlaneError.notFound("unknown adapter '\(adapter)'") }
        return driftReports.filter { $0.adapter == adapter }
    }

    func metrics() async throws -> String { metricsText }

    /// Two journal decisions of `default`: the gate's promotion of 000002, then its rejection of 000003.
    func events(adapter: String?, limit: Int) async throws -> [AgentEvent] {
        if let adapter, adapterState[adapter] == nil { throw ControlPlaneError.notFound("no adapter named '\(adapter)'") }
        let all = [
            AgentEvent(time: Self.created.addingTimeInterval(120), adapter: "default", kind: "reject", cause: "gate",
                       severity: "warn", version: "000003", message: "holdout accuracy below live"),
            AgentEvent(time: Self.created.addingTimeInterval(60), adapter: "default", kind: "promote", cause: "gate",
                       severity: "info", version: "000002", previous: "000001", message: "gate passed"),
        ]
        return Array(all.filter { adapter == nil || $0.adapter == adapter }.prefix(limit))
    }

    private func versionIndex(_ adapter: String, _ version: String) throws -> Int {
        guard let number = Int(version) else {
            throw ControlPlaneError.badRequest("'\(version)' is not a version number")
        }
        let name = String(format: "%06d", number)
        guard let index = adapterState[adapter]?.versions.firstIndex(where: { $0.version == name }) else {
            throw ControlPlaneError.notFound("adapter '\(adapter)' has no version \(name)")
        }
        return index
    }

    private func makeLive(_ adapter: String, _ index: Int, reason: String?) -> VersionInfo {
        var state = adapterState[adapter]!
        for i in state.versions.indices where state.versions[i].isLive {
            state.versions[i].isLive = false
            state.versions[i].status = .retired
        }
        state.versions[index].isLive = true
        state.versions[index].status = .live
        state.versions[index].reason = reason
        state.info.liveVersion = state.versions[index].version
        adapterState[adapter] = state
        return state.versions[index]
    }
}

/// A plain error that is not a `ControlPlaneError`.
struct FakeFailure: Error, CustomStringConvertible {
    var description: String
}

import API
import Foundation
import Monitor
import ServiceLifecycle
import Synchronization

/// The server-side memory of the dashboard: a bounded history of every adapter's curves and
/// the events only a comparison of two samples reveals (a drift detector firing, severity or
/// readiness changing, records dead-lettered).
///
/// One sample every `interval`, taken by ``run(controlPlane:)`` (a service beside the HTTP
/// server) or by a test through ``sample(_:)``. Every browser reads the same history, so a
/// reload or a second tab shows the same picture. Memory is bounded: `capacity` points per
/// adapter and `eventCapacity` events.
package final class StatusRecorder: Sendable {
    let interval: Duration
    let capacity: Int
    let eventCapacity: Int

    private struct Previous {
        var detections: [String: Int] = [:]
        var severity: DriftSeverity?
    }

    private struct State {
        var points: [String: [HistoryPoint]] = [:]
        var events: [AgentEvent] = []
        var previous: [String: Previous] = [:]
        var ready: Bool?
        var dlqMessages: Int?
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - interval: time between samples (the dashboard polls every 2 s).
    ///   - capacity: points kept per adapter (900 × 2 s = 30 minutes).
    init(interval: Duration = .seconds(2), capacity: Int = 900, eventCapacity: Int = 500) {
        self.interval = interval
        self.capacity = capacity
        self.eventCapacity = eventCapacity
    }

    /// Samples until the task is cancelled; a failed sample is skipped (the agent may be busy
    /// starting), never fatal.
    func run(controlPlane: some ControlPlane) async {
        while !Task.isCancelled {
            try? await sample(controlPlane)
            try? await Task.sleep(for: interval)
        }
    }

    /// Takes one sample of the agent's status and drift reports.
    func sample(_ controlPlane: some ControlPlane) async throws {
        let status = try await controlPlane.status()
        let drift = try await controlPlane.drift(adapter: nil)
        record(status: status, drift: drift, at: Date())
    }

    /// Adds one sample: a point per adapter, and events for what changed since the last one.
    func record(status: AgentStatus, drift: [DriftReport], at time: Date) {
        let reports = Dictionary(drift.map { ($0.adapter, $0) }) { a, _ in a }
        state.withLock { s in
            var new: [AgentEvent] = []
            if let before = s.ready, before != status.ready {
                new.append(AgentEvent(time: time, adapter: nil, kind: "ready", cause: "agent",
                                      severity: status.ready ? "info" : "alert",
                                      message: status.ready ? "agent is ready" : "agent is not ready"))
            }
            s.ready = status.ready
            if let before = s.dlqMessages, status.dlqMessages > before {
                new.append(AgentEvent(time: time, adapter: nil, kind: "dead_letter", cause: "decoder", severity: "warn",
                                      message: "\(status.dlqMessages - before) record(s) dead-lettered",
                                      numbers: ["dlq_messages": Double(status.dlqMessages)]))
            }
            s.dlqMessages = status.dlqMessages
            for adapter in status.adapters {
                let report = reports[adapter.name]
                let p = adapter.prequential
                var points = s.points[adapter.name, default: []]
                points.append(HistoryPoint(
                    time: time, examplesSeen: adapter.examplesSeen, accuracy: p.cumulative.accuracy,
                    windowAccuracy: p.windowed.accuracy, logLoss: p.cumulative.logLoss, windowLogLoss: p.windowed.logLoss,
                    labelJSDivergence: report?.label?.jsDivergence, labelPSI: report?.label?.psi,
                    inputPSI: report?.input?.maxPSI, liveVersion: adapter.liveVersion))
                if points.count > capacity { points.removeFirst(points.count - capacity) }
                s.points[adapter.name] = points
                if let report { new += Self.driftEvents(report, previous: &s.previous[adapter.name, default: Previous()], at: time) }
            }
            s.events += new
            if s.events.count > eventCapacity { s.events.removeFirst(s.events.count - eventCapacity) }
        }
    }

    /// Detections since the previous sample, and severity changes.
    private static func driftEvents(_ report: DriftReport, previous: inout Previous, at time: Date) -> [AgentEvent] {
        var events: [AgentEvent] = []
        for d in report.concept.detectors {
            let key = "\(d.name)/\(d.signal)"
            if let before = previous.detections[key], d.detections > before {
                events.append(AgentEvent(
                    time: time, adapter: report.adapter, kind: "drift", cause: key, severity: d.severity.rawValue,
                    message: "\(d.name) detected a change in \(d.signal) (estimate \(d.estimation))",
                    numbers: ["detections": Double(d.detections), "estimation": d.estimation, "width": Double(d.width)]))
            }
            previous.detections[key] = d.detections
        }
        if let before = previous.severity, before != report.severity {
            var numbers: [String: Double] = [:]
            if let label = report.label { numbers["label_js_divergence"] = label.jsDivergence; numbers["label_psi"] = label.psi }
            if let input = report.input { numbers["input_max_psi"] = input.maxPSI }
            events.append(AgentEvent(
                time: time, adapter: report.adapter, kind: "drift", cause: "severity",
                severity: report.severity == .ok ? "info" : report.severity.rawValue,
                message: "drift severity \(before.rawValue) → \(report.severity.rawValue)", numbers: numbers))
        }
        previous.severity = report.severity
        return events
    }

    /// The recorded curves.
    var history: HistoryList {
        let points = state.withLock { $0.points }
        return HistoryList(intervalSeconds: Double(interval.components.seconds)
                               + Double(interval.components.attoseconds) / 1e18,
                           capacity: capacity, adapters: points)
    }

    /// The recorded events, oldest first.
    var events: [AgentEvent] { state.withLock { $0.events } }
}

extension StatusRecorder {
    /// The recorder's sampling loop as a service of the HTTP application, so it starts and
    /// stops with the server.
    struct Sampler<Plane: ControlPlane>: Service {
        let recorder: StatusRecorder
        let controlPlane: Plane

        func run() async throws {
            await cancelWhenGracefulShutdown { await recorder.run(controlPlane: controlPlane) }
        }
    }
}

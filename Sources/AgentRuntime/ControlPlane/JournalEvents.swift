import Threads
import API
import Foundation
import Learner
import Registry
import Stream

/// The registries' journals read as events and counted by cause, for `GET /v1/events` and the
/// promotion, rollback and rejection counters of `/metrics`.
///
/// Journals are the durable record of every decision (the gate's, the rollback monitor's and an
/// operator's, through HTTP or the CLI), so counts derived from them include manual actions and
/// survive restarts. A journal is re-read only when its size changed.
final class JournalEvents: Sendable {
    private struct Cached {
        var size: UInt64
        var events: [AgentEvent]
    }

    private let cache = Locked<[String: Cached]>([:])
    let registryRoot: URL

    init(registryRoot: URL) { self.registryRoot = registryRoot }

    /// Every event of `adapter`, oldest first.
    func events(adapter: String) throws -> [AgentEvent] {
        let registry = try AdapterRegistry(root: registryRoot, adapter: adapter)
        let size = (try? FileManager.default.attributesOfItem(atPath: registry.journalURL.path)[.size] as? NSNumber)?
            .uint64Value ?? 0
        if let hit = cache.withLock({ $0[adapter] }), hit.size == size { return hit.events }
        let events = try registry.journal().map { Self.event($0, adapter: adapter) }
        cache.withLock { $0[adapter] = Cached(size: size, events: events) }
        return events
    }

    /// One journal entry as an event, with its cause.
    static func event(_ e: JournalEntry, adapter: String) -> AgentEvent {
        var kind = e.event.rawValue, cause: String, severity = "info"
        switch e.event {
        case .snapshot where e.status == .rejected:
            (kind, cause, severity) = ("reject", "gate", "warn")
        case .snapshot, .import, .pin, .unpin:
            cause = e.reason.contains("gate:") ? "gate" : "manual"
        case .promote:
            cause = e.reason.contains("gate:") ? "gate" : "manual"
        case .reject:
            (cause, severity) = ("manual", "warn")
        case .rollback, .clearLive:
            cause = rollbackCause(e.reason)
            severity = cause == "manual" ? "warn" : "alert"
        case .retire:
            cause = "retention"
        case .adapt:
            (cause, severity) = ("drift", "warn")
        case .rollbackDeclined:
            cause = automaticCause(e.reason)
        case .reload:
            (cause, severity) = (automaticCause(e.reason), "warn")
        }
        return AgentEvent(time: e.time, adapter: adapter, kind: kind, cause: cause, severity: severity,
                          version: e.version.name, previous: e.previous?.name, message: e.reason, numbers: e.numbers)
    }

    /// The trigger of an automatic rollback (its reason starts `<trigger>: `), else `manual`.
    static func rollbackCause(_ reason: String) -> String {
        guard let colon = reason.firstIndex(of: ":"),
              let trigger = RollbackDecision.Trigger(rawValue: String(reason[..<colon])) else { return "manual" }
        return trigger.rawValue
    }

    /// The trigger an automatic decision names first, else `learner`.
    static func automaticCause(_ reason: String) -> String {
        let cause = rollbackCause(reason)
        return cause == "manual" ? "learner" : cause
    }

    /// Events per `(kind, cause)` of one adapter.
    func counts(adapter: String) throws -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        for e in try events(adapter: adapter) { out[e.kind, default: [:]][e.cause, default: 0] += 1 }
        return out
    }
}

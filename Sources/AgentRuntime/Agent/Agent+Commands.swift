import Foundation
import Learner
import Registry

/// Requests from other threads (HTTP, signals) that the learner thread carries out.
enum Command: Sendable {
    case promote(adapter: String, version: Version, reason: String, reply: @Sendable (Result<Version, any Error>) -> Void)
    case rollback(adapter: String, to: Version?, reason: String, reply: @Sendable (Result<Version, any Error>) -> Void)
}

/// Errors of the agent's control operations.
package enum AgentError: Error, CustomStringConvertible, Equatable {
    case unknownAdapter(String)
    case noLiveVersion(String)

    package var description: String {
        switch self {
        case .unknownAdapter(let name): "no adapter named '\(name)'"
        case .noLiveVersion(let name): "adapter '\(name)' has no live version yet"
        }
    }
}

extension Agent {
    /// Makes `version` live (journaled with `reason`); the learner keeps training its own lineage.
    package func promote(adapter: String, version: Version, reason: String) async throws -> Version {
        try await withCheckedThrowingContinuation { c in
            mailbox.withLock { $0.append(.promote(adapter: adapter, version: version, reason: reason) { c.resume(with: $0) }) }
        }
    }

    /// Rolls back to `to` (default: the previous good version); the learner continues from it
    /// with fresh optimizer state.
    package func rollback(adapter: String, to: Version?, reason: String) async throws -> Version {
        try await withCheckedThrowingContinuation { c in
            mailbox.withLock { $0.append(.rollback(adapter: adapter, to: to, reason: reason) { c.resume(with: $0) }) }
        }
    }

    /// Predicts with the adapter's live version (any thread).
    package func predict(adapter: String?, texts: [String]) throws -> [LivePrediction] {
        let name = adapter ?? config.routing.defaultAdapter
        guard let current = try live.serving(name) else { throw AgentError.noLiveVersion(name) }
        return try current.predict(texts)
    }

    /// Learner thread: carries out queued commands.
    func drainMailbox() {
        let commands = mailbox.withLock { c -> [Command] in defer { c.removeAll() }; return c }
        for command in commands {
            switch command {
            case .promote(let adapter, let version, let reason, let reply):
                reply(Result {
                    let w = try resident(adapter)
                    let previous = live.liveVersion(adapter)
                    _ = try w.registry.promote(version, reason: reason)
                    try w.publishLive()
                    logger.notice("adapter \(adapter): manual promotion \(previous?.name ?? "none") → \(version) (\(reason))")
                    return version
                })
            case .rollback(let adapter, let to, let reason, let reply):
                reply(Result {
                    let w = try resident(adapter)
                    let previous = live.liveVersion(adapter)
                    let target = try w.registry.rollback(to: to, reason: reason)
                    try w.restoreTrainer(from: target)
                    try w.publishLive()
                    logger.notice("adapter \(adapter): manual rollback \(previous?.name ?? "none") → \(target) (\(reason))")
                    return target
                })
            }
        }
        if !commands.isEmpty { publishStatus() }
    }
}

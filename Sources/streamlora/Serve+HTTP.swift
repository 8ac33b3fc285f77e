import Foundation
import Learner
import Logging
import Server
import ServiceLifecycle
import Stream

/// Serves `/healthz`, `/metrics`, `/v1/…` and the dashboard for a running agent on
/// `port` (negative: no HTTP). The bearer token for mutations is read from the environment
/// variable the pipeline names (`server.token_env`).
/// - Returns: the running server once it listens, or nil without HTTP.
/// - Throws: `HTTPListenError` naming the address when the port cannot be bound (e.g. taken).
func startHTTP(agent: Agent, config: PipelineConfig, port: Int, logger: Logger) async throws -> HTTPService? {
    guard port >= 0 else { return nil }
    let token = ProcessInfo.processInfo.environment[config.server.tokenEnv].flatMap { $0.isEmpty ? nil : $0 }
    if token == nil {
        logger.notice("HTTP promote/rollback are disabled: set \(config.server.tokenEnv) to a bearer token to enable them")
    }
    let (events, sink) = AsyncStream<Int>.makeStream()
    let settings = ServerConfiguration(host: config.server.host, port: port, token: token,
                                       maxConnections: config.server.maxConnections,
                                       idleTimeoutSeconds: config.server.idleTimeoutSeconds)
    let gate = ConnectionGate(maxConnections: settings.maxConnections)
    let app = makeServerApplication(
        controlPlane: AgentControlPlane(agent: agent, pipelineName: config.name),
        configuration: settings, logger: logger, gate: gate, onListening: { sink.yield($0) })
    // Listed after the application, the drain is shut down first: no accept is in flight when the
    // listener closes (see ConnectionGate). It waits for idle connections at most a few seconds;
    // the server's own graceful shutdown closes whatever is still open.
    let drain = ConnectionDrain(gate: gate, patience: .seconds(min(settings.idleTimeoutSeconds, 5) + 1), logger: logger)
    let service = HTTPService([app, drain], logger: logger) { sink.finish() }
    var iterator = events.makeAsyncIterator()
    guard let bound = await iterator.next() else {
        let error = service.failure ?? HTTPListenError(host: config.server.host, port: port, detail: "the server stopped")
        await service.stop()
        throw HTTPListenError(host: config.server.host, port: port, detail: "\(error)")
    }
    service.port = bound
    logger.info("HTTP on http://\(config.server.host):\(bound)/ (dashboard, /metrics, /v1/status, /openapi.json)")
    return service
}

/// The control plane could not listen; the agent must not run without the endpoint the
/// operator configured (probes and Prometheus would fail silently).
struct HTTPListenError: Error, CustomStringConvertible {
    let host: String
    let port: Int
    let detail: String

    var description: String {
        let taken = detail.contains("in use") || detail.contains("errno: 98")
        return "cannot listen on \(host):\(port): \(taken ? "address already in use" : detail)"
            + (taken ? " (another process holds the port: stop it, or pick another with --http-port or server.port)" : "")
    }
}

/// The HTTP server running in a service group, so that stopping it is a graceful shutdown
/// (open requests finish, the listener closes) rather than a cancellation.
final class HTTPService: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Never>
    private let failed = Locked<(any Error)?>(nil)
    private let boundPort = Locked<Int?>(nil)

    /// The port the server listens on (the real one when 0 was asked for).
    var port: Int? {
        get { boundPort.withLock { $0 } }
        set { boundPort.withLock { $0 = newValue } }
    }

    /// - Parameter onExit: called when the server has stopped, for any reason.
    /// - Parameter services: shut down gracefully in reverse order.
    init(_ services: [any Service], logger: Logger, onExit: @escaping @Sendable () -> Void) {
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        self.group = group
        let failed = self.failed
        task = Task {
            do { try await group.run() } catch {
                failed.withLock { $0 = error }
                logger.error("HTTP server stopped: \(error)")
            }
            onExit()
        }
    }

    /// Why the server stopped, if it failed.
    var failure: (any Error)? { failed.withLock { $0 } }

    /// Shuts the server down gracefully and waits until it has.
    func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}

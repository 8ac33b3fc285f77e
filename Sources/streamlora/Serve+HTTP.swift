import Threads
import API
import AgentRuntime
import Foundation
import Learner
import Logging
import Server
import ServiceLifecycle
import Stream

/// Runs `agent` and its HTTP control plane (`/healthz`, `/metrics`, `/v1/…`, the dashboard) on
/// `port` (negative: no HTTP) in one `ServiceGroup` that shuts down gracefully on SIGTERM or
/// SIGINT: the agent first (final snapshot and commit), then the connection drain, then the
/// server. The bearer token for
/// mutations is read from the environment variable the pipeline names (`server.token_env`).
///
/// The server listens before the agent consumes, so a port that is taken stops the agent before
/// it learns anything.
/// - Parameter whileRunning: runs beside the services with the bound HTTP port (nil without
///   HTTP); it may shut the group down through the closure it is given.
/// - Throws: `HTTPListenError` naming the address when the port cannot be bound (e.g. taken), or
///   the error that stopped a service.
func runAgent(_ agent: Agent, config: PipelineConfig, port: Int, logger: Logger,
              whileRunning: @escaping @Sendable (_ httpPort: Int?, _ shutdown: @escaping @Sendable () async -> Void) async throws -> Void
) async throws {
    let (listening, sink) = AsyncStream<Int>.makeStream()
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
    if port >= 0 {
        let token = ProcessInfo.processInfo.environment[config.server.tokenEnv].flatMap { $0.isEmpty ? nil : $0 }
        if token == nil {
            logger.notice("HTTP promote/rollback are disabled: set \(config.server.tokenEnv) to a bearer token to enable them")
        }
        let settings = ServerConfiguration(host: config.server.host, port: port, token: token,
                                           maxConnections: config.server.maxConnections,
                                           idleTimeoutSeconds: config.server.idleTimeoutSeconds)
        let gate = ConnectionGate(maxConnections: settings.maxConnections)
        logConnectionLimit(gate, logger: logger)
        let app = makeServerApplication(
            controlPlane: AgentControlPlane(agent: agent, pipelineName: config.name, buildVersion: StreamLoRA.version),
            configuration: settings, logger: logger, gate: gate, onListening: { sink.yield($0) })
        // Listed after the application, the drain is shut down before it: no accept is in flight
        // when the listener closes (see ConnectionGate). It waits for idle connections at most a
        // few seconds; the server's own graceful shutdown closes whatever is still open.
        let drain = ConnectionDrain(gate: gate, patience: .seconds(min(settings.idleTimeoutSeconds, 5) + 1), logger: logger)
        services.append(.init(service: app))
        services.append(.init(service: drain))
    } else {
        services.append(.init(service: agent))
        sink.finish()
    }
    let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    let failure = Locked<(any Error)?>(nil)
    let running = Task {
        do { try await group.run() } catch { failure.withLock { $0 = error } }
        sink.finish()
    }
    var bound: Int?
    if port >= 0 {
        var iterator = listening.makeAsyncIterator()
        guard let p = await iterator.next() else {
            await running.value
            let detail = failure.current.map { "\($0)" } ?? "the server stopped"
            throw HTTPListenError(host: config.server.host, port: port, detail: detail)
        }
        bound = p
        logger.info("HTTP on http://\(config.server.host):\(p)/ (dashboard, /metrics, /v1/status, /openapi.json)")
        // Added last, so a graceful shutdown stops it first: the final snapshot is served to the end.
        await group.addServiceUnlessShutdown(agent)
    }
    let body = Task { [bound] in try await whileRunning(bound) { await group.triggerGracefulShutdown() } }
    await running.value
    body.cancel()
    do { try await body.value } catch is CancellationError {}
    if let error = failure.current { throw error }
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

/// Says how many connections the control plane holds at once, and why when the descriptor
/// limit lowered `server.max_connections` (see `ConnectionGate+Descriptors`).
private func logConnectionLimit(_ gate: ConnectionGate, logger: Logger) {
    guard let descriptors = gate.descriptorLimit, gate.maxConnections < gate.requestedConnections else {
        logger.info("HTTP: at most \(gate.maxConnections) connections open at once")
        return
    }
    let reserved = ConnectionGate.reservedDescriptors(descriptorLimit: descriptors)
    let why = "the descriptor limit (ulimit -n) is \(descriptors) and \(reserved) stay free for snapshots, Kafka and the runtime"
    logger.warning("HTTP: at most \(gate.maxConnections) connections open at once, not server.max_connections \(gate.requestedConnections): \(why)")
}

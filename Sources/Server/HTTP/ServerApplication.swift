import API
import Hummingbird
import HummingbirdCore
import Logging

/// Builds the control-plane HTTP application (DESIGN §8) around a running agent.
///
/// Run it with `try await app.runService()`, or add it to a `ServiceGroup` beside the agent's
/// own services so both shut down together on SIGTERM.
/// - Parameters:
///   - controlPlane: the agent.
///   - configuration: address, token and limits.
///   - logger: the server's logger; each request gets its own with a request id.
///   - recorder: the dashboard's server-side history; run its sampler beside the server.
///   - onListening: called with the bound port once the server accepts connections (the real
///     port when `configuration.port` is 0).
///   - gate: counts and limits the open connections (`configuration.maxConnections`); pass one
///     to run a ``ConnectionDrain`` on it after the application in the same service group.
package func makeServerApplication(
    controlPlane: some ControlPlane,
    configuration: ServerConfiguration = .init(),
    recorder: StatusRecorder = StatusRecorder(),
    logger: Logger = Logger(label: "streamlora.server"),
    gate: ConnectionGate? = nil,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = makeServerRouter(controlPlane: controlPlane, configuration: configuration, recorder: recorder)
    // Abuse limits: idle connections (keep-alive or never sending a request) are closed after
    // `idleTimeoutSeconds`, and at most `maxConnections` are open at once (more wait in the
    // listen backlog), so a flood of idle sockets can neither exhaust the process's file
    // descriptors (snapshots need some) nor keep the server from answering for long.
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                             serverName: "streamlora",
                             availableConnectionsDelegate: (gate ?? ConnectionGate(maxConnections: configuration.maxConnections)).delegate),
        services: [StatusRecorder.Sampler(recorder: recorder, controlPlane: controlPlane)],
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// The router with every route and middleware; `makeServerApplication` serves it, tests drive it
/// through HummingbirdTesting.
///
/// | route | answer |
/// |---|---|
/// | `GET /` | the dashboard (HTML) |
/// | `GET /healthz` | 200 while the process runs |
/// | `GET /readyz` | 200 / 503 from `ControlPlane.ready()` |
/// | `GET /metrics` | Prometheus text |
/// | `GET /v1/status` | `AgentStatus` |
/// | `GET /v1/drift[?adapter=]` | `DriftList` |
/// | `GET /v1/adapters` | `AdapterList` |
/// | `GET /v1/adapters/{name}` | `AdapterDetail` |
/// | `GET /v1/events[?adapter=&limit=]` | `EventList` |
/// | `GET /v1/history` | `HistoryList` |
/// | `GET /openapi.json` | this table as OpenAPI 3.0 |
/// | `POST /v1/predict` | `PredictResponse` |
/// | `POST /v1/adapters/{name}/promote` | `MutationResponse` (bearer token) |
/// | `POST /v1/adapters/{name}/rollback` | `MutationResponse` (bearer token) |
func makeServerRouter(
    controlPlane: some ControlPlane,
    configuration: ServerConfiguration = .init(),
    metrics: HTTPMetrics = HTTPMetrics(),
    recorder: StatusRecorder = StatusRecorder()
) -> Router<ServerRequestContext> {
    let router = Router(context: ServerRequestContext.self)
    router.add(middleware: RequestLogMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    let routes = ServerRoutes(controlPlane: controlPlane, configuration: configuration, metrics: metrics,
                              recorder: recorder)
    routes.addProbeRoutes(to: router)
    routes.addReadRoutes(to: router)
    routes.addHistoryRoutes(to: router)
    routes.addOpenAPIRoute(to: router)
    routes.addPredictRoute(to: router)
    routes.addMutationRoutes(
        to: router.group("/v1/adapters")
            .add(middleware: BearerTokenMiddleware(token: configuration.effectiveToken, hint: configuration.tokenHint)))
    routes.addDashboardRoute(to: router)
    return router
}

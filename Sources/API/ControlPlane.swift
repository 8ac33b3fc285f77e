import Monitor

/// What the HTTP layer needs from the running agent.
///
/// The server module knows nothing about models, registries or Kafka: the agent (wired in by the
/// `streamlora serve` command) implements this protocol and the routes translate HTTP to these
/// calls and back. Every method may be called concurrently from many requests, so an
/// implementation must be safe to call from any task (hence `Sendable`).
///
/// Errors: throw `ControlPlaneError` to choose the HTTP status (`notFound` → 404, `badRequest`
/// → 400, `conflict` → 409, `unavailable` → 503); any other error becomes a 500 whose message
/// is the error's description.
package protocol ControlPlane: Sendable {
    /// A snapshot of everything the dashboard and `GET /v1/status` show.
    func status() async throws -> AgentStatus

    /// Whether the agent can serve predictions (model loaded, adapters restored); drives
    /// `GET /readyz`. A thrown error counts as not ready.
    func ready() async throws -> Bool

    /// Readiness with the reasons it is not (a paused partition, no broker, no assignment…),
    /// shown in `GET /readyz`'s body. The default asks `ready()` and gives no reasons.
    func readiness() async throws -> (ready: Bool, reasons: [String])

    /// Classifies already-validated texts with the live version of `request.adapter` (the
    /// default adapter when nil).
    /// - Throws: `ControlPlaneError.notFound` for an unknown adapter, `.unavailable` when no
    ///   version is live yet.
    func predict(_ request: PredictRequest) async throws -> PredictResponse

    /// Answers several requests, each with its own adapter, in order (an implementation may
    /// batch them across adapters); fails as a whole with the first request's error.
    func predict(_ requests: [PredictRequest]) async throws -> [PredictResponse]

    /// Every adapter this agent knows.
    func adapters() async throws -> [AdapterInfo]

    /// The versions of one adapter, oldest first.
    /// - Throws: `ControlPlaneError.notFound` for an unknown adapter.
    func versions(adapter: String) async throws -> [VersionInfo]

    /// Makes `version` the live version of `adapter`.
    /// - Parameters:
    ///   - version: as the client wrote it (`"000042"`, `"42"`); the implementation parses it.
    ///   - reason: the operator's reason, recorded in the journal; nil when none was given.
    /// - Returns: the version that is now live.
    /// - Throws: `.notFound` (adapter or version), `.badRequest` (unparseable version),
    ///   `.conflict` (e.g. a rejected or torn version).
    func promote(adapter: String, version: String, reason: String?) async throws -> VersionInfo

    /// Rolls `adapter` back to `version`, or to the newest good version before the live one
    /// when `version` is nil; the learner continues from it.
    /// - Returns: the version that is now live.
    /// - Throws: `.notFound`, `.badRequest`, `.conflict` (nothing to roll back to).
    func rollback(adapter: String, to version: String?, reason: String?) async throws -> VersionInfo

    /// Drift reports for one adapter, or for all adapters when `adapter` is nil.
    /// - Throws: `ControlPlaneError.notFound` for an unknown adapter.
    func drift(adapter: String?) async throws -> [DriftReport]

    /// The registry's decisions (promotions, rejections, rollbacks, manual actions), newest
    /// first, at most `limit`; one adapter's or every adapter's. The server adds its own drift
    /// and readiness events to these for `GET /v1/events`.
    /// - Throws: `ControlPlaneError.notFound` for an unknown adapter.
    func events(adapter: String?, limit: Int) async throws -> [AgentEvent]

    /// The agent's metrics as Prometheus text exposition (format 0.0.4), e.g. built with
    /// Monitor's `PrometheusText`. The server appends its own `streamlora_http_*` families.
    func metrics() async throws -> String
}

extension ControlPlane {
    package func readiness() async throws -> (ready: Bool, reasons: [String]) {
        (try await ready(), [])
    }

    /// One request after another.
    package func predict(_ requests: [PredictRequest]) async throws -> [PredictResponse] {
        var out: [PredictResponse] = []
        for r in requests { out.append(try await predict(r)) }
        return out
    }
}

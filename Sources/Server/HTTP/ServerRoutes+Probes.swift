import Hummingbird
import Monitor

extension ServerRoutes {
    /// `GET /healthz`, `GET /readyz`, `GET /metrics`: what orchestrators and Prometheus scrape.
    func addProbeRoutes(to router: Router<ServerRequestContext>) {
        // Liveness never consults the agent: a busy learner must not get the process restarted.
        router.get("/healthz") { _, _ in
            try JSONResponse.make(["status": "ok"])
        }

        router.get("/readyz") { _, context in
            do {
                let (ready, reasons) = try await controlPlane.readiness()
                return try JSONResponse.make(Readiness(ready: ready, error: nil, reasons: reasons),
                                             status: ready ? .ok : .serviceUnavailable)
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": .string("\(error)")])
                return try JSONResponse.make(Readiness(ready: false, error: "\(error)"), status: .serviceUnavailable)
            }
        }

        router.get("/metrics") { _, _ in
            var body = try await controlPlane.metrics()
            if !body.isEmpty, !body.hasSuffix("\n") { body += "\n" }
            var own = PrometheusText()
            try metrics.append(to: &own)
            return JSONResponse.text(body + own.render(), contentType: PrometheusText.contentType)
        }
    }
}

/// The body of `GET /readyz`.
struct Readiness: Encodable, Equatable {
    var ready: Bool
    var error: String?
    /// Why the agent is not ready (or what it degrades), one sentence each; omitted when none.
    var reasons: [String] = []

    enum CodingKeys: String, CodingKey { case ready, error, reasons }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ready, forKey: .ready)
        try c.encodeIfPresent(error, forKey: .error)
        if !reasons.isEmpty { try c.encode(reasons, forKey: .reasons) }
    }
}

/// Where the control plane listens and how it guards mutations.
package struct ServerConfiguration: Sendable, Equatable {
    /// Interface to bind; the default keeps the control plane on this machine.
    package var host: String
    /// TCP port; 0 lets the system pick a free one.
    package var port: Int
    /// Bearer token required by promote and rollback. Nil (or empty) disables mutations over
    /// HTTP altogether: an unauthenticated control plane must never move the live version.
    package var token: String?
    /// Largest request body accepted (413 beyond).
    var maxBodyBytes: Int
    /// Largest `texts` batch accepted by `POST /v1/predict`.
    var maxPredictTexts: Int
    /// Told to a client whose mutation was refused because no token is configured.
    var tokenHint: String
    /// Most connections open at once; further ones wait in the listen backlog. The gate lowers
    /// it to what the descriptor limit allows (`ConnectionGate+Descriptors`).
    package var maxConnections: Int
    /// Seconds a connection may sit without sending a request before it is closed.
    package var idleTimeoutSeconds: Int

    /// The hint matching `pipelines/*.yaml` (`server.token_env`).
    static let defaultTokenHint =
        "set the environment variable named by server.token_env in the pipeline (default STREAMLORA_TOKEN) and restart the agent"

    package init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, maxBodyBytes: Int = 1 << 20,
                maxPredictTexts: Int = 64, tokenHint: String = Self.defaultTokenHint,
                maxConnections: Int = 512, idleTimeoutSeconds: Int = 10) {
        self.host = host
        self.port = port
        self.token = token
        self.maxBodyBytes = maxBodyBytes
        self.maxPredictTexts = maxPredictTexts
        self.tokenHint = tokenHint
        self.maxConnections = maxConnections
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }

    /// The token if one is really configured (an empty environment variable counts as none).
    var effectiveToken: String? {
        guard let token, !token.isEmpty else { return nil }
        return token
    }
}

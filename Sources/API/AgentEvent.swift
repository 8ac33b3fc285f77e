import Foundation

/// One entry of `GET /v1/events`: something an operator wants to see in a timeline.
///
/// Registry decisions come from the adapters' journals (durable, so they survive restarts);
/// drift alarms and readiness changes come from the server's own recorder (this process).
///
/// `kind` uses the journal's vocabulary (`snapshot`, `promote`, `reject`, `rollback`,
/// `clear_live`, `rollback_declined`, `reload`, `adapt`, `retire`, `import`, `pin`, `unpin`) plus
/// `drift`, `ready` and `dead_letter` from the recorder. `cause` says who
/// or what decided: `gate`, `manual`, a rollback trigger (`metric_drop`, `loss_spike`, …), a
/// drift detector (`adwin/error`), or `retention`.
package struct AgentEvent: Sendable, Codable, Equatable {
    package var time: Date
    /// Nil for agent-wide events (readiness).
    @NullEncoded package var adapter: String?
    package var kind: String
    package var cause: String
    /// `info`, `warn` or `alert`, so the dashboard and scripts need no table of kinds.
    package var severity: String
    @NullEncoded package var version: String?
    /// The live version before a promotion or rollback.
    @NullEncoded package var previous: String?
    package var message: String
    /// The numbers behind the decision (holdout metrics, statistic and threshold, …).
    package var numbers: [String: Double]

    package init(time: Date, adapter: String?, kind: String, cause: String, severity: String, version: String? = nil,
                previous: String? = nil, message: String, numbers: [String: Double] = [:]) {
        self.time = time
        self.adapter = adapter
        self.kind = kind
        self.cause = cause
        self.severity = severity
        self.version = version
        self.previous = previous
        self.message = message
        self.numbers = numbers
    }
}

/// `GET /v1/events[?adapter=&limit=]`: newest first.
package struct EventList: Sendable, Codable, Equatable {
    package var events: [AgentEvent]

    package init(events: [AgentEvent]) { self.events = events }
}

/// One sample of an adapter's curves, as `GET /v1/history` returns them.
package struct HistoryPoint: Sendable, Codable, Equatable {
    package var time: Date
    package var examplesSeen: Int
    @NullEncoded package var accuracy: Double?
    @NullEncoded package var windowAccuracy: Double?
    @NullEncoded package var logLoss: Double?
    @NullEncoded package var windowLogLoss: Double?
    @NullEncoded package var labelJSDivergence: Double?
    @NullEncoded package var labelPSI: Double?
    @NullEncoded package var inputPSI: Double?
    @NullEncoded package var liveVersion: String?

    package init(time: Date, examplesSeen: Int, accuracy: Double? = nil, windowAccuracy: Double? = nil,
                logLoss: Double? = nil, windowLogLoss: Double? = nil, labelJSDivergence: Double? = nil,
                labelPSI: Double? = nil, inputPSI: Double? = nil, liveVersion: String? = nil) {
        self.time = time
        self.examplesSeen = examplesSeen
        self.accuracy = accuracy
        self.windowAccuracy = windowAccuracy
        self.logLoss = logLoss
        self.windowLogLoss = windowLogLoss
        self.labelJSDivergence = labelJSDivergence
        self.labelPSI = labelPSI
        self.inputPSI = inputPSI
        self.liveVersion = liveVersion
    }

    enum CodingKeys: String, CodingKey {
        case time, examplesSeen = "examples_seen", accuracy, windowAccuracy = "window_accuracy", logLoss = "log_loss"
        case windowLogLoss = "window_log_loss", labelJSDivergence = "label_js_divergence", labelPSI = "label_psi"
        case inputPSI = "input_psi", liveVersion = "live_version"
    }
}

/// `GET /v1/history`: per adapter, the recorder's points oldest first (bounded: the newest
/// `capacity` per adapter, one every `interval_seconds`).
package struct HistoryList: Sendable, Codable, Equatable {
    package var intervalSeconds: Double
    package var capacity: Int
    package var adapters: [String: [HistoryPoint]]

    package init(intervalSeconds: Double, capacity: Int, adapters: [String: [HistoryPoint]]) {
        self.intervalSeconds = intervalSeconds
        self.capacity = capacity
        self.adapters = adapters
    }

    enum CodingKeys: String, CodingKey {
        case intervalSeconds = "interval_seconds", capacity, adapters
    }
}

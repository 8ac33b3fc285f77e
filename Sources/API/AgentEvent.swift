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
public struct AgentEvent: Sendable, Codable, Equatable {
    public var time: Date
    /// Nil for agent-wide events (readiness).
    @NullEncoded public var adapter: String?
    public var kind: String
    public var cause: String
    /// `info`, `warn` or `alert`, so the dashboard and scripts need no table of kinds.
    public var severity: String
    @NullEncoded public var version: String?
    /// The live version before a promotion or rollback.
    @NullEncoded public var previous: String?
    public var message: String
    /// The numbers behind the decision (holdout metrics, statistic and threshold, …).
    public var numbers: [String: Double]

    public init(time: Date, adapter: String?, kind: String, cause: String, severity: String, version: String? = nil,
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
public struct EventList: Sendable, Codable, Equatable {
    public var events: [AgentEvent]

    public init(events: [AgentEvent]) { self.events = events }
}

/// One sample of an adapter's curves, as `GET /v1/history` returns them.
public struct HistoryPoint: Sendable, Codable, Equatable {
    public var time: Date
    public var examplesSeen: Int
    @NullEncoded public var accuracy: Double?
    @NullEncoded public var windowAccuracy: Double?
    @NullEncoded public var logLoss: Double?
    @NullEncoded public var windowLogLoss: Double?
    @NullEncoded public var labelJSDivergence: Double?
    @NullEncoded public var labelPSI: Double?
    @NullEncoded public var inputPSI: Double?
    @NullEncoded public var liveVersion: String?

    public init(time: Date, examplesSeen: Int, accuracy: Double? = nil, windowAccuracy: Double? = nil,
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
public struct HistoryList: Sendable, Codable, Equatable {
    public var intervalSeconds: Double
    public var capacity: Int
    public var adapters: [String: [HistoryPoint]]

    public init(intervalSeconds: Double, capacity: Int, adapters: [String: [HistoryPoint]]) {
        self.intervalSeconds = intervalSeconds
        self.capacity = capacity
        self.adapters = adapters
    }

    enum CodingKeys: String, CodingKey {
        case intervalSeconds = "interval_seconds", capacity, adapters
    }
}

import Monitor
import Synchronization

/// Request counters of the control plane itself, appended to the agent's `/metrics`.
///
/// Keyed by route pattern (`/v1/adapters/{name}`), never by raw path, so a client probing random
/// URLs cannot grow the label set without bound.
public final class HTTPMetrics: Sendable {
    private struct Key: Hashable, Comparable {
        var method: String
        var route: String
        var status: Int

        static func < (a: Key, b: Key) -> Bool {
            (a.route, a.method, a.status) < (b.route, b.method, b.status)
        }
    }

    private struct Totals {
        var count = 0
        var seconds = 0.0
    }

    private let totals = Mutex<[Key: Totals]>([:])

    public init() {}

    /// Counts one completed request.
    func record(method: String, route: String, status: Int, seconds: Double) {
        let key = Key(method: method, route: route, status: status)
        totals.withLock { all in
            var entry = all[key] ?? Totals()
            entry.count += 1
            entry.seconds += seconds
            all[key] = entry
        }
    }

    /// Appends `streamlora_http_requests_total` and `streamlora_http_request_seconds_total`.
    func append(to text: inout PrometheusText) throws {
        let snapshot = totals.withLock { $0 }
        for (key, value) in snapshot.sorted(by: { $0.key < $1.key }) {
            let labels = ["method": key.method, "route": key.route, "status": String(key.status)]
            try text.counter("streamlora_http_requests_total", help: "HTTP requests answered by the control plane.",
                             labels: labels, value: Double(value.count))
        }
        for (key, value) in snapshot.sorted(by: { $0.key < $1.key }) {
            let labels = ["method": key.method, "route": key.route, "status": String(key.status)]
            try text.counter("streamlora_http_request_seconds_total",
                             help: "Time spent answering HTTP requests, in seconds.", labels: labels, value: value.seconds)
        }
    }
}

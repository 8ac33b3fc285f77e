import Monitor
import Synchronization

/// Request counters and latency histograms of the control plane itself, appended to the agent's
/// `/metrics`.
///
/// Keyed by route pattern (`/v1/adapters/{name}`), never by raw path, so a client probing random
/// URLs cannot grow the label set without bound.
final class HTTPMetrics: Sendable {
    private struct Key: Hashable, Comparable {
        var method: String
        var route: String
        var status: Int

        static func < (a: Key, b: Key) -> Bool {
            (a.route, a.method, a.status) < (b.route, b.method, b.status)
        }
    }

    private struct Route: Hashable, Comparable {
        var method: String
        var route: String

        static func < (a: Route, b: Route) -> Bool { (a.route, a.method) < (b.route, b.method) }
    }

    private struct State {
        var counts: [Key: Int] = [:]
        var latency: [Route: Histogram] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Counts one completed request.
    func record(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.counts[Key(method: method, route: route, status: status), default: 0] += 1
            s.latency[Route(method: method, route: route), default: Histogram(bounds: Histogram.latencyBounds)]
                .observe(seconds)
        }
    }

    /// Appends `streamlora_http_requests_total{method,route,status}` and the histogram
    /// `streamlora_http_request_duration_seconds{method,route}`.
    func append(to text: inout PrometheusText) throws {
        let snapshot = state.withLock { $0 }
        for (key, count) in snapshot.counts.sorted(by: { $0.key < $1.key }) {
            let labels = ["method": key.method, "route": key.route, "status": String(key.status)]
            try text.counter("streamlora_http_requests_total", help: "HTTP requests answered by the control plane.",
                             labels: labels, value: Double(count))
        }
        for (key, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            try text.histogram("streamlora_http_request_duration_seconds",
                               help: "Time to answer HTTP requests of the control plane, in seconds.",
                               labels: ["method": key.method, "route": key.route], histogram)
        }
    }
}

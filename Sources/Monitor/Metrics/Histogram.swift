/// Observations counted into fixed upper bounds, as a Prometheus histogram exposes them.
///
/// A value type so a single-threaded owner (an adapter worker) can keep one in plain state and
/// publish copies; shared owners put it behind their own lock. Buckets are fixed at creation so
/// that every exposition of a family has the same `le` set (Prometheus' `histogram_quantile`
/// needs that across scrapes).
package struct Histogram: Sendable, Equatable, Codable {
    /// Upper bounds, ascending; `+Inf` is implicit.
    package let bounds: [Double]
    /// Observations per bucket (not cumulative); the last entry counts values above every bound.
    package private(set) var counts: [Int]
    package private(set) var sum: Double = 0
    package private(set) var count: Int = 0

    /// Request latencies in seconds: 1 ms … 10 s.
    package static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Durable snapshot writes in seconds (evaluation + fsyncs): 10 ms … 2 min.
    package static let snapshotBounds: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    package init(bounds: [Double]) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram bounds must ascend")
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Counts one observation (NaN is ignored: it belongs in no bucket).
    package mutating func observe(_ value: Double) {
        guard !value.isNaN else { return }
        let i = bounds.firstIndex { value <= $0 } ?? bounds.count
        counts[i] += 1
        sum += value
        count += 1
    }

    /// `(le, cumulative count)` pairs ending with `+Inf`.
    var cumulativeBuckets: [(le: Double, count: Int)] {
        var running = 0
        return zip(bounds + [.infinity], counts).map { bound, n in
            running += n
            return (bound, running)
        }
    }
}

extension PrometheusText {
    /// Adds a histogram sample set (`_bucket{le}`, `_sum`, `_count`) to family `name`.
    ///
    /// By convention `name` carries the unit (`…_seconds`, `…_bytes`) and no `_total`.
    /// - Throws: like `gauge`, and `.invalidLabelName` for a user label named `le`.
    package mutating func histogram(_ name: String, help: String, labels: [String: String] = [:],
                                   _ histogram: Histogram) throws {
        guard Self.isValidMetricName(name) else { throw Error.invalidMetricName(name) }
        for label in labels.keys where !Self.isValidLabelName(label) || label == "le" {
            throw Error.invalidLabelName(metric: name, label: label)
        }
        var samples = histogram.cumulativeBuckets.map { bucket in
            Sample(suffix: "_bucket", labels: labels.merging(["le": Self.formatValue(bucket.le)]) { $1 },
                   value: Double(bucket.count))
        }
        samples.append(Sample(suffix: "_sum", labels: labels, value: histogram.sum))
        samples.append(Sample(suffix: "_count", labels: labels, value: Double(histogram.count)))
        try add(name, type: .histogram, help: help, samples: samples)
    }
}

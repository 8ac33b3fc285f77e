/// ADWIN parameters as configuration data (River 0.26.1 defaults).
package struct ADWINSettings: Sendable, Codable, Equatable {
    package var delta = 0.002
    package var clock = 32
    package var maxBuckets = 5
    package var minWindowLength = 5
    package var gracePeriod = 10

    init() {}

    /// A fresh detector with these parameters.
    func makeDetector() -> ADWIN {
        ADWIN(delta: delta, clock: clock, maxBuckets: maxBuckets,
              minWindowLength: minWindowLength, gracePeriod: gracePeriod)
    }

    enum CodingKeys: String, CodingKey {
        case delta, clock, maxBuckets = "max_buckets", minWindowLength = "min_window_length"
        case gracePeriod = "grace_period"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        delta = try c.decodeIfPresent(Double.self, forKey: .delta) ?? delta
        clock = try c.decodeIfPresent(Int.self, forKey: .clock) ?? clock
        maxBuckets = try c.decodeIfPresent(Int.self, forKey: .maxBuckets) ?? maxBuckets
        minWindowLength = try c.decodeIfPresent(Int.self, forKey: .minWindowLength) ?? minWindowLength
        gracePeriod = try c.decodeIfPresent(Int.self, forKey: .gracePeriod) ?? gracePeriod
    }
}

/// Page-Hinkley parameters as configuration data: River 0.26.1 defaults except `mode`, which
/// is `up` — on an error or a loss only an increase is an incident (River's `both` alarms when
/// the learner gets better) — and `delta` 0.1 instead of 0.005, because the drift monitor feeds
/// values in units of their warm-up standard deviation (see
/// `DriftMonitorConfiguration.conceptStandardize`), and `alpha` 1: with River's 0.9999 the sum
/// S⁺ settles near −δ/(1−α), where the drift that keeps a stationary stream quiet is cancelled,
/// and a long stationary stream alarms as a driftless random walk would.
package struct PageHinkleySettings: Sendable, Codable, Equatable {
    package var minInstances = 30
    package var delta = 0.1
    package var threshold = 50.0
    package var alpha = 1.0
    package var mode = PageHinkley.Mode.up

    package init(delta: Double = 0.1, mode: PageHinkley.Mode = .up) {
        self.delta = delta
        self.mode = mode
    }

    /// A fresh detector with these parameters.
    func makeDetector() -> PageHinkley {
        PageHinkley(minInstances: minInstances, delta: delta, threshold: threshold, alpha: alpha, mode: mode)
    }

    enum CodingKeys: String, CodingKey {
        case minInstances = "min_instances", delta, threshold, alpha, mode
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minInstances = try c.decodeIfPresent(Int.self, forKey: .minInstances) ?? minInstances
        delta = try c.decodeIfPresent(Double.self, forKey: .delta) ?? delta
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold) ?? threshold
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? alpha
        mode = try c.decodeIfPresent(PageHinkley.Mode.self, forKey: .mode) ?? mode
    }
}

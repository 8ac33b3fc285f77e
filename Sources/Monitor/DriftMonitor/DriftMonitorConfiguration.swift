/// How worried a drift statistic should make an operator.
package enum DriftSeverity: String, Sendable, Codable, Comparable, CaseIterable {
    case ok, warn, alert

    /// 0, 1, 2 — for gauges and sorting.
    package var level: Int {
        switch self {
        case .ok: 0
        case .warn: 1
        case .alert: 2
        }
    }

    package static func < (lhs: DriftSeverity, rhs: DriftSeverity) -> Bool { lhs.level < rhs.level }
}

/// Thresholds that turn statistics into severities.
///
/// PSI uses the industry convention (< 0.1 stable, 0.1–0.25 moderate, ≥ 0.25 major). For small
/// shifts PSI ≈ χ² while JS (base 2) ≈ χ² / (8 ln 2) ≈ 0.18 χ², so the JS defaults 0.02 / 0.05
/// sit close to PSI 0.1 / 0.25. Concept drift is `alert` when a detector fired within the last
/// `conceptAlertSpan` examples, `warn` within `conceptWarnSpan`.
///
/// Label and input severities come from p-values (`pWarn`, `pAlert`), not from PSI / JS: those
/// are biased upwards in small windows over many categories, so a fixed PSI cut fires on
/// sampling noise. The report is looked at continuously while the window slides, so the cut is
/// strict: `alert` at p < 1e-4 after the multiple-testing correction. On the stationary Debian
/// stream the Holm-adjusted input p-value dipped to 5e-4 in 2,000 examples (ops/bench/decisions):
/// 1e-3 alerted there; 1e-4 keeps ~40 independent windows of 20,000 examples below a 0.4 %
/// chance of one false alert.
package struct DriftThresholds: Sendable, Codable, Equatable {
    package var pWarn = 0.001
    package var pAlert = 0.0001
    package var psiWarn = 0.1
    package var psiAlert = 0.25
    package var jsWarn = 0.02
    package var jsAlert = 0.05
    package var conceptAlertSpan = 500
    package var conceptWarnSpan = 5_000

    init() {}

    /// Severity of a (corrected) p-value (`ok` when there is none yet).
    func severity(pValue: Double?) -> DriftSeverity {
        guard let pValue else { return .ok }
        return pValue < pAlert ? .alert : pValue < pWarn ? .warn : .ok
    }

    /// Severity of a PSI value (`ok` when there is none yet).
    package func severity(psi: Double?) -> DriftSeverity {
        guard let psi else { return .ok }
        return psi >= psiAlert ? .alert : psi >= psiWarn ? .warn : .ok
    }

    /// Severity of a JS divergence value (`ok` when there is none yet).
    package func severity(js: Double?) -> DriftSeverity {
        guard let js else { return .ok }
        return js >= jsAlert ? .alert : js >= jsWarn ? .warn : .ok
    }

    /// Severity of a detector whose last detection was `examplesAgo` examples ago.
    func severity(detectionExamplesAgo examplesAgo: Int?) -> DriftSeverity {
        guard let examplesAgo else { return .ok }
        return examplesAgo < conceptAlertSpan ? .alert : examplesAgo < conceptWarnSpan ? .warn : .ok
    }

    enum CodingKeys: String, CodingKey {
        case pWarn = "p_warn", pAlert = "p_alert"
        case psiWarn = "psi_warn", psiAlert = "psi_alert", jsWarn = "js_warn", jsAlert = "js_alert"
        case conceptAlertSpan = "concept_alert_span", conceptWarnSpan = "concept_warn_span"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pWarn = try c.decodeIfPresent(Double.self, forKey: .pWarn) ?? pWarn
        pAlert = try c.decodeIfPresent(Double.self, forKey: .pAlert) ?? pAlert
        psiWarn = try c.decodeIfPresent(Double.self, forKey: .psiWarn) ?? psiWarn
        psiAlert = try c.decodeIfPresent(Double.self, forKey: .psiAlert) ?? psiAlert
        jsWarn = try c.decodeIfPresent(Double.self, forKey: .jsWarn) ?? jsWarn
        jsAlert = try c.decodeIfPresent(Double.self, forKey: .jsAlert) ?? jsAlert
        conceptAlertSpan = try c.decodeIfPresent(Int.self, forKey: .conceptAlertSpan) ?? conceptAlertSpan
        conceptWarnSpan = try c.decodeIfPresent(Int.self, forKey: .conceptWarnSpan) ?? conceptWarnSpan
    }
}

/// Settings of a `DriftMonitor`. Decodes from partial JSON/YAML (missing keys keep defaults),
/// with snake_case keys as in `pipelines/*.yaml`.
package struct DriftMonitorConfiguration: Sendable, Codable, Equatable {
    /// Examples collected into the reference window before it freezes.
    package var referenceSize = 1_000
    /// Capacity of the sliding current window.
    package var currentSize = 1_000
    /// Statistics are reported only once the current window holds this many examples.
    package var minimumCurrentCount = 100
    /// Quantile bins per numeric feature.
    package var bins = 10
    /// Random projections of the embedding (0 disables embedding drift).
    package var projections = 8
    /// Seed of the projection directions; keep it fixed so restarts compare like with like.
    var projectionSeed: UInt64 = 0x5EED_D21F7
    /// Floor for empty PSI bins.
    var psiEpsilon = DistributionDrift.defaultPSIEpsilon
    /// Additive smoothing for label JS divergence (0 = none; see `DistributionDrift`).
    var jsPseudocount = 0.0
    /// Minimum expected count per cell of the G-tests; rarer categories are pooled (Cochran: 5).
    package var minimumExpected = HomogeneityTest.defaultMinimumExpected
    /// ADWIN parameters (River defaults).
    package var adwin = ADWINSettings()
    /// Page-Hinkley parameters (River's, except `mode: up` and δ 0.1 in σ units).
    package var pageHinkley = PageHinkleySettings()
    /// Examples before the concept detectors are fed (the learner's warm-up: its error falls
    /// steeply from chance level, which is learning, not drift).
    package var conceptWarmup = 500
    /// Count an ADWIN cut as an alarm only when the mean rose (worse error or loss).
    package var conceptOneSided = true
    /// Feed Page-Hinkley the error and loss divided by their standard deviation over the
    /// warm-up, so δ and λ are in units of the signal's noise. Page-Hinkley's false-alarm rate
    /// per excursion is ≈ exp(−2δλ/σ²): River's δ 0.005, λ 50 on a loss with σ ≈ 0.65 alarm
    /// about every 3,000 stationary examples; in σ units with δ 0.1 it is ≈ exp(−10).
    package var conceptStandardize = true
    /// Restart Page-Hinkley on a signal whenever ADWIN finds that signal's mean fell (an
    /// improvement cut). Page-Hinkley compares each value with the mean since it started; while
    /// the learner learns, that mean holds the early, high error, so a later rise back towards
    /// it — a gradual drift the learner half keeps up with — never exceeds it. Restarted at the
    /// improved level (ADWIN's mean after the cut, weighted by its width), it measures the rise
    /// from where the learner got to.
    package var conceptReanchor = true
    /// Severity thresholds.
    package var thresholds = DriftThresholds()

    package init() {}

    /// Checks the settings and names the first bad field.
    package func validate() throws(DriftMonitorError) {
        func require(_ ok: Bool, _ field: String, _ why: String) throws(DriftMonitorError) {
            if !ok { throw DriftMonitorError.invalidConfiguration(field: field, reason: why) }
        }
        try require(referenceSize >= 1, "reference_size", "must be >= 1, got \(referenceSize)")
        try require(currentSize >= 1, "current_size", "must be >= 1, got \(currentSize)")
        try require(minimumCurrentCount >= 1 && minimumCurrentCount <= currentSize, "minimum_current_count",
                    "must be in 1...current_size (\(currentSize)), got \(minimumCurrentCount)")
        try require(bins >= 2, "bins", "must be >= 2, got \(bins)")
        try require(projections >= 0, "projections", "must be >= 0, got \(projections)")
        try require(psiEpsilon > 0 && psiEpsilon < 1, "psi_epsilon", "must be in (0, 1), got \(psiEpsilon)")
        try require(jsPseudocount >= 0, "js_pseudocount", "must be >= 0, got \(jsPseudocount)")
        try require(adwin.delta > 0 && adwin.delta < 1, "adwin.delta", "must be in (0, 1), got \(adwin.delta)")
        try require(adwin.clock >= 1, "adwin.clock", "must be >= 1, got \(adwin.clock)")
        try require(adwin.maxBuckets >= 2, "adwin.max_buckets", "must be >= 2, got \(adwin.maxBuckets)")
        try require(minimumExpected > 0, "minimum_expected", "must be > 0, got \(minimumExpected)")
        try require(conceptWarmup >= 0, "concept_warmup", "must be >= 0, got \(conceptWarmup)")
        try require(thresholds.pWarn > 0 && thresholds.pWarn < 1 && thresholds.pAlert > 0
                    && thresholds.pAlert <= thresholds.pWarn, "thresholds.p_alert",
                    "must satisfy 0 < p_alert <= p_warn < 1, got \(thresholds.pAlert) and \(thresholds.pWarn)")
        try require(pageHinkley.minInstances >= 1, "page_hinkley.min_instances",
                    "must be >= 1, got \(pageHinkley.minInstances)")
        try require(pageHinkley.threshold > 0, "page_hinkley.threshold",
                    "must be > 0, got \(pageHinkley.threshold)")
        try require(thresholds.psiWarn <= thresholds.psiAlert, "thresholds.psi_warn", "must be <= psi_alert")
        try require(thresholds.jsWarn <= thresholds.jsAlert, "thresholds.js_warn", "must be <= js_alert")
    }

    enum CodingKeys: String, CodingKey {
        case referenceSize = "reference_size", currentSize = "current_size"
        case minimumCurrentCount = "minimum_current_count", bins, projections
        case projectionSeed = "projection_seed", psiEpsilon = "psi_epsilon", jsPseudocount = "js_pseudocount"
        case adwin, pageHinkley = "page_hinkley", thresholds, minimumExpected = "minimum_expected"
        case conceptWarmup = "concept_warmup", conceptOneSided = "concept_one_sided"
        case conceptStandardize = "concept_standardize", conceptReanchor = "concept_reanchor"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        referenceSize = try c.decodeIfPresent(Int.self, forKey: .referenceSize) ?? referenceSize
        currentSize = try c.decodeIfPresent(Int.self, forKey: .currentSize) ?? currentSize
        minimumCurrentCount = try c.decodeIfPresent(Int.self, forKey: .minimumCurrentCount) ?? minimumCurrentCount
        bins = try c.decodeIfPresent(Int.self, forKey: .bins) ?? bins
        projections = try c.decodeIfPresent(Int.self, forKey: .projections) ?? projections
        projectionSeed = try c.decodeIfPresent(UInt64.self, forKey: .projectionSeed) ?? projectionSeed
        psiEpsilon = try c.decodeIfPresent(Double.self, forKey: .psiEpsilon) ?? psiEpsilon
        jsPseudocount = try c.decodeIfPresent(Double.self, forKey: .jsPseudocount) ?? jsPseudocount
        adwin = try c.decodeIfPresent(ADWINSettings.self, forKey: .adwin) ?? adwin
        pageHinkley = try c.decodeIfPresent(PageHinkleySettings.self, forKey: .pageHinkley) ?? pageHinkley
        thresholds = try c.decodeIfPresent(DriftThresholds.self, forKey: .thresholds) ?? thresholds
        minimumExpected = try c.decodeIfPresent(Double.self, forKey: .minimumExpected) ?? minimumExpected
        conceptWarmup = try c.decodeIfPresent(Int.self, forKey: .conceptWarmup) ?? conceptWarmup
        conceptOneSided = try c.decodeIfPresent(Bool.self, forKey: .conceptOneSided) ?? conceptOneSided
        conceptStandardize = try c.decodeIfPresent(Bool.self, forKey: .conceptStandardize) ?? conceptStandardize
        conceptReanchor = try c.decodeIfPresent(Bool.self, forKey: .conceptReanchor) ?? conceptReanchor
    }
}

/// Errors of the drift monitor, naming the offending field.
package enum DriftMonitorError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(field: String, reason: String)
    case referenceMismatch(field: String, reason: String)

    package var description: String {
        switch self {
        case .invalidConfiguration(let f, let r): "drift monitor configuration: \(f) \(r)"
        case .referenceMismatch(let f, let r): "drift reference snapshot: \(f) \(r)"
        }
    }
}

/// Everything a `DriftMonitor` knows, as JSON-friendly data for `/v1/drift`, the CLI and the
/// dashboard. Keys are snake_case; statistics not computable yet (reference still collecting,
/// current window below `minimum_current_count`) are absent.
public struct DriftReport: Sendable, Codable, Equatable {
    /// State of the reference window.
    public struct Reference: Sendable, Codable, Equatable {
        /// `collecting` or `frozen`.
        public var state: String
        /// Examples in the reference.
        public var examples: Int
        /// Examples the reference is collected from (`reference_size`).
        public var target: Int
        /// Stream index at which it froze.
        public var frozenAtIndex: Int?

        enum CodingKeys: String, CodingKey {
            case state, examples, target, frozenAtIndex = "frozen_at_index"
        }
    }

    /// Label drift: a G-test of the label counts (the decision), JS divergence and PSI (effect sizes).
    public struct LabelDrift: Sendable, Codable, Equatable {
        public var jsDivergence: Double
        public var psi: Double
        public var referenceCounts: [String: Int]
        public var currentCounts: [String: Int]
        /// Labels in the current window that the reference never saw, significantly (Bonferroni
        /// over all labels at `thresholds.p_alert`): a label seen twice is not "new".
        public var newLabels: [String]
        /// Reference labels absent from the current window, significantly (same test).
        public var missingLabels: [String]
        /// Severity from `pValue`.
        public var severity: DriftSeverity
        /// The G-test of homogeneity (rare labels pooled).
        public var test: HomogeneityTest.Result?
        /// The p-value below which the part alerts.
        public var threshold: Double?

        /// The G-test's p-value.
        public var pValue: Double? { test?.pValue }

        enum CodingKeys: String, CodingKey {
            case jsDivergence = "js_divergence", psi, referenceCounts = "reference_counts"
            case currentCounts = "current_counts", newLabels = "new_labels", missingLabels = "missing_labels"
            case severity, test, threshold
        }
    }

    /// One numeric input feature: G-test on its reference quantile bins, PSI as effect size.
    public struct FeatureDrift: Sendable, Codable, Equatable {
        /// `token_length`, `oov_rate`, `projection_<i>`.
        public var feature: String
        public var psi: Double
        public var referenceCount: Int
        public var currentCount: Int
        /// Severity from `adjustedPValue`.
        public var severity: DriftSeverity
        public var test: HomogeneityTest.Result?
        /// The p-value after Holm's correction over all features.
        public var adjustedPValue: Double?

        enum CodingKeys: String, CodingKey {
            case feature, psi, referenceCount = "reference_count", currentCount = "current_count", severity
            case test, adjustedPValue = "adjusted_p_value"
        }
    }

    /// Input drift: one test per numeric feature, Holm-corrected.
    public struct InputDrift: Sendable, Codable, Equatable {
        public var features: [FeatureDrift]
        /// Largest PSI over all features.
        public var maxPSI: Double
        /// Worst feature severity.
        public var severity: DriftSeverity
        /// Smallest Holm-adjusted p-value over the features.
        public var minAdjustedPValue: Double?
        /// The p-value below which the part alerts.
        public var threshold: Double?

        /// The PSI of a feature by name.
        public func psi(_ feature: String) -> Double? { features.first { $0.feature == feature }?.psi }

        enum CodingKeys: String, CodingKey {
            case features, maxPSI = "max_psi", severity, minAdjustedPValue = "min_adjusted_p_value", threshold
        }
    }

    /// One concept-drift detector's state.
    public struct Detector: Sendable, Codable, Equatable {
        /// `adwin` or `page_hinkley`.
        public var name: String
        /// `error` or `loss`.
        public var signal: String
        /// Whether the last value fed triggered a detection.
        public var driftDetected: Bool
        /// Detections over the monitor's lifetime.
        public var detections: Int
        /// Stream index of the last detection.
        public var lastDetectionIndex: Int?
        /// Mean estimate (ADWIN window mean; Page-Hinkley running mean).
        public var estimation: Double
        /// ADWIN window width; Page-Hinkley values since its last reset.
        public var width: Int
        public var severity: DriftSeverity
        /// The last alarm with its statistic and threshold.
        public var lastAlarm: ConceptAlarm?
        /// Cuts on a falling mean (the learner improving), not alarmed when one-sided.
        public var improvements: Int?

        enum CodingKeys: String, CodingKey {
            case name, signal, driftDetected = "drift_detected", detections
            case lastDetectionIndex = "last_detection_index", estimation, width, severity
            case lastAlarm = "last_alarm", improvements
        }
    }

    /// Concept drift: the four detectors.
    public struct ConceptDrift: Sendable, Codable, Equatable {
        public var detectors: [Detector]
        public var detections: Int
        public var lastDetectionIndex: Int?
        public var severity: DriftSeverity
        /// Whether the detectors are fed yet (after `concept_warmup` examples).
        public var warm: Bool?

        /// A detector by name and signal.
        public func detector(_ name: String, _ signal: String) -> Detector? {
            detectors.first { $0.name == name && $0.signal == signal }
        }

        enum CodingKeys: String, CodingKey {
            case detectors, detections, lastDetectionIndex = "last_detection_index", severity, warm
        }
    }

    public var adapter: String
    public var examplesSeen: Int
    public var reference: Reference
    public var currentExamples: Int
    public var currentCapacity: Int
    public var label: LabelDrift?
    public var input: InputDrift?
    public var concept: ConceptDrift
    /// Worst of label, input and concept severity.
    public var severity: DriftSeverity
    public var thresholds: DriftThresholds
    public var skippedEmbeddings: Int
    public var skippedLosses: Int

    enum CodingKeys: String, CodingKey {
        case adapter, examplesSeen = "examples_seen", reference, currentExamples = "current_examples"
        case currentCapacity = "current_capacity", label, input, concept, severity, thresholds
        case skippedEmbeddings = "skipped_embeddings", skippedLosses = "skipped_losses"
    }
}

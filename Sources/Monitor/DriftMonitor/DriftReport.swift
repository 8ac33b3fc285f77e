/// Everything a `DriftMonitor` knows, as JSON-friendly data for `/v1/drift`, the CLI and the
/// dashboard. Keys are snake_case; statistics not computable yet (reference still collecting,
/// current window below `minimum_current_count`) are absent.
package struct DriftReport: Sendable, Codable, Equatable {
    /// State of the reference window.
    package struct Reference: Sendable, Codable, Equatable {
        /// `collecting` or `frozen`.
        package var state: String
        /// Examples in the reference.
        package var examples: Int
        /// Examples the reference is collected from (`reference_size`).
        package var target: Int
        /// Stream index at which it froze.
        package var frozenAtIndex: Int?

        enum CodingKeys: String, CodingKey {
            case state, examples, target, frozenAtIndex = "frozen_at_index"
        }
    }

    /// Label drift: a G-test of the label counts (the decision), JS divergence and PSI (effect sizes).
    package struct LabelDrift: Sendable, Codable, Equatable {
        package var jsDivergence: Double
        package var psi: Double
        var referenceCounts: [String: Int]
        var currentCounts: [String: Int]
        /// Labels in the current window that the reference never saw, significantly (Bonferroni
        /// over all labels at `thresholds.p_alert`): a label seen twice is not "new".
        package var newLabels: [String]
        /// Reference labels absent from the current window, significantly (same test).
        package var missingLabels: [String]
        /// Severity from `pValue`.
        package var severity: DriftSeverity
        /// The G-test of homogeneity (rare labels pooled).
        var test: HomogeneityTest.Result?
        /// The p-value below which the part alerts.
        var threshold: Double?

        /// The G-test's p-value.
        package var pValue: Double? { test?.pValue }

        enum CodingKeys: String, CodingKey {
            case jsDivergence = "js_divergence", psi, referenceCounts = "reference_counts"
            case currentCounts = "current_counts", newLabels = "new_labels", missingLabels = "missing_labels"
            case severity, test, threshold
        }
    }

    /// One numeric input feature: G-test on its reference quantile bins, PSI as effect size.
    package struct FeatureDrift: Sendable, Codable, Equatable {
        /// `token_length`, `oov_rate`, `projection_<i>`.
        package var feature: String
        package var psi: Double
        var referenceCount: Int
        var currentCount: Int
        /// Severity from `adjustedPValue`.
        package var severity: DriftSeverity
        var test: HomogeneityTest.Result?
        /// The p-value after Holm's correction over all features.
        var adjustedPValue: Double?

        enum CodingKeys: String, CodingKey {
            case feature, psi, referenceCount = "reference_count", currentCount = "current_count", severity
            case test, adjustedPValue = "adjusted_p_value"
        }
    }

    /// Input drift: one test per numeric feature, Holm-corrected.
    package struct InputDrift: Sendable, Codable, Equatable {
        package var features: [FeatureDrift]
        /// Largest PSI over all features.
        package var maxPSI: Double
        /// Worst feature severity.
        package var severity: DriftSeverity
        /// Smallest Holm-adjusted p-value over the features.
        package var minAdjustedPValue: Double?
        /// The p-value below which the part alerts.
        package var threshold: Double?

        /// The PSI of a feature by name.
        func psi(_ feature: String) -> Double? { features.first { $0.feature == feature }?.psi }

        enum CodingKeys: String, CodingKey {
            case features, maxPSI = "max_psi", severity, minAdjustedPValue = "min_adjusted_p_value", threshold
        }
    }

    /// One concept-drift detector's state.
    package struct Detector: Sendable, Codable, Equatable {
        /// `adwin` or `page_hinkley`.
        package var name: String
        /// `error` or `loss`.
        package var signal: String
        /// Whether the last value fed triggered a detection.
        package var driftDetected: Bool
        /// Detections over the monitor's lifetime.
        package var detections: Int
        /// Stream index of the last detection.
        package var lastDetectionIndex: Int?
        /// Mean estimate (ADWIN window mean; Page-Hinkley running mean).
        package var estimation: Double
        /// ADWIN window width; Page-Hinkley values since its last reset.
        package var width: Int
        package var severity: DriftSeverity
        /// The last alarm with its statistic and threshold.
        package var lastAlarm: ConceptAlarm?
        /// Cuts on a falling mean (the learner improving), not alarmed when one-sided.
        var improvements: Int?

        enum CodingKeys: String, CodingKey {
            case name, signal, driftDetected = "drift_detected", detections
            case lastDetectionIndex = "last_detection_index", estimation, width, severity
            case lastAlarm = "last_alarm", improvements
        }
    }

    /// Concept drift: the four detectors.
    package struct ConceptDrift: Sendable, Codable, Equatable {
        package var detectors: [Detector]
        package var detections: Int
        var lastDetectionIndex: Int?
        package var severity: DriftSeverity
        /// Whether the detectors are fed yet (after `concept_warmup` examples).
        var warm: Bool?

        /// A detector by name and signal.
        func detector(_ name: String, _ signal: String) -> Detector? {
            detectors.first { $0.name == name && $0.signal == signal }
        }

        enum CodingKeys: String, CodingKey {
            case detectors, detections, lastDetectionIndex = "last_detection_index", severity, warm
        }
    }

    package var adapter: String
    package var examplesSeen: Int
    package var reference: Reference
    package var currentExamples: Int
    package var currentCapacity: Int
    package var label: LabelDrift?
    package var input: InputDrift?
    package var concept: ConceptDrift
    /// Worst of label, input and concept severity.
    package var severity: DriftSeverity
    package var thresholds: DriftThresholds
    package var skippedEmbeddings: Int
    package var skippedLosses: Int

    enum CodingKeys: String, CodingKey {
        case adapter, examplesSeen = "examples_seen", reference, currentExamples = "current_examples"
        case currentCapacity = "current_capacity", label, input, concept, severity, thresholds
        case skippedEmbeddings = "skipped_embeddings", skippedLosses = "skipped_losses"
    }
}

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

    /// Label drift: JS divergence and PSI of the label distribution.
    public struct LabelDrift: Sendable, Codable, Equatable {
        public var jsDivergence: Double
        public var psi: Double
        public var referenceCounts: [String: Int]
        public var currentCounts: [String: Int]
        /// Labels in the current window that the reference never saw.
        public var newLabels: [String]
        /// Reference labels absent from the current window.
        public var missingLabels: [String]
        public var severity: DriftSeverity

        enum CodingKeys: String, CodingKey {
            case jsDivergence = "js_divergence", psi, referenceCounts = "reference_counts"
            case currentCounts = "current_counts", newLabels = "new_labels", missingLabels = "missing_labels"
            case severity
        }
    }

    /// PSI of one numeric input feature.
    public struct FeatureDrift: Sendable, Codable, Equatable {
        /// `token_length`, `oov_rate`, `projection_<i>`.
        public var feature: String
        public var psi: Double
        public var referenceCount: Int
        public var currentCount: Int
        public var severity: DriftSeverity

        enum CodingKeys: String, CodingKey {
            case feature, psi, referenceCount = "reference_count", currentCount = "current_count", severity
        }
    }

    /// Input drift: PSI per numeric feature.
    public struct InputDrift: Sendable, Codable, Equatable {
        public var features: [FeatureDrift]
        /// Largest PSI over all features.
        public var maxPSI: Double
        public var severity: DriftSeverity

        /// The PSI of a feature by name.
        public func psi(_ feature: String) -> Double? { features.first { $0.feature == feature }?.psi }

        enum CodingKeys: String, CodingKey {
            case features, maxPSI = "max_psi", severity
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

        enum CodingKeys: String, CodingKey {
            case name, signal, driftDetected = "drift_detected", detections
            case lastDetectionIndex = "last_detection_index", estimation, width, severity
        }
    }

    /// Concept drift: the four detectors.
    public struct ConceptDrift: Sendable, Codable, Equatable {
        public var detectors: [Detector]
        public var detections: Int
        public var lastDetectionIndex: Int?
        public var severity: DriftSeverity

        /// A detector by name and signal.
        public func detector(_ name: String, _ signal: String) -> Detector? {
            detectors.first { $0.name == name && $0.signal == signal }
        }

        enum CodingKeys: String, CodingKey {
            case detectors, detections, lastDetectionIndex = "last_detection_index", severity
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

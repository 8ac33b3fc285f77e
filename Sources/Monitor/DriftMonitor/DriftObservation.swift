/// What the learner knows about one example after predicting it (prequential: test, then train).
public struct DriftObservation: Sendable, Equatable {
    /// The true label.
    public var label: String
    /// Whether the prediction was wrong (fed to the detectors as 1/0).
    public var error: Bool
    /// The example's loss before the train step; non-finite losses skip the loss detectors.
    public var loss: Double
    /// Tokens after truncation, `[CLS]`/`[SEP]` included.
    public var tokenLength: Int
    /// Fraction of word pieces that were `[UNK]`, in [0, 1].
    public var oovRate: Double
    /// The pooled sentence embedding, if the learner computed one.
    public var embedding: [Float]?

    public init(label: String, error: Bool, loss: Double, tokenLength: Int, oovRate: Double,
                embedding: [Float]? = nil) {
        self.label = label
        self.error = error
        self.loss = loss
        self.tokenLength = tokenLength
        self.oovRate = oovRate
        self.embedding = embedding
    }
}

/// A frozen reference window, small enough to store in an adapter version's manifest so a
/// restarted agent compares against the same baseline.
public struct DriftReference: Sendable, Codable, Equatable {
    /// Bin edges and reference counts of one numeric feature.
    public struct Feature: Sendable, Codable, Equatable {
        public var edges: [Double]
        public var counts: [Int]

        public init(edges: [Double], counts: [Int]) {
            self.edges = edges
            self.counts = counts
        }
    }

    /// Examples the reference was built from.
    public var examples: Int
    public var labelCounts: [String: Int]
    /// Keyed by feature name: `token_length`, `oov_rate`, `projection_0` …
    public var features: [String: Feature]
    /// Seed of the projection directions the `projection_*` features were computed with.
    public var projectionSeed: UInt64?
    /// Embedding dimension of the projections.
    public var projectionDimension: Int?

    public init(examples: Int, labelCounts: [String: Int], features: [String: Feature],
                projectionSeed: UInt64?, projectionDimension: Int?) {
        self.examples = examples
        self.labelCounts = labelCounts
        self.features = features
        self.projectionSeed = projectionSeed
        self.projectionDimension = projectionDimension
    }

    enum CodingKeys: String, CodingKey {
        case examples, labelCounts = "label_counts", features
        case projectionSeed = "projection_seed", projectionDimension = "projection_dimension"
    }
}

/// A detector plus its lifetime bookkeeping inside a `DriftMonitor`.
struct TrackedDetector<Detector: ConceptDriftDetector>: Sendable {
    var detector: Detector
    let fresh: Detector
    var detections = 0
    var lastDetectionIndex: Int?

    init(_ detector: Detector) {
        self.detector = detector
        self.fresh = detector
    }

    mutating func update(_ x: Double, at index: Int) {
        if detector.update(x) {
            detections += 1
            lastDetectionIndex = index
        }
    }

    /// New detector state; lifetime counts are kept.
    mutating func reset() { detector = fresh }
}

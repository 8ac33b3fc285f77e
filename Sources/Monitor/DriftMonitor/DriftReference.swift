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

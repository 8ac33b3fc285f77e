/// A frozen reference window, small enough to store in an adapter version's manifest so a
/// restarted agent compares against the same baseline.
struct DriftReference: Sendable, Codable, Equatable {
    /// Bin edges and reference counts of one numeric feature.
    struct Feature: Sendable, Codable, Equatable {
        var edges: [Double]
        var counts: [Int]

        init(edges: [Double], counts: [Int]) {
            self.edges = edges
            self.counts = counts
        }
    }

    /// Examples the reference was built from.
    var examples: Int
    var labelCounts: [String: Int]
    /// Keyed by feature name: `token_length`, `oov_rate`, `projection_0` …
    var features: [String: Feature]
    /// Seed of the projection directions the `projection_*` features were computed with.
    var projectionSeed: UInt64?
    /// Embedding dimension of the projections.
    var projectionDimension: Int?

    init(examples: Int, labelCounts: [String: Int], features: [String: Feature],
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

/// `distribution_stats.json`
struct StatsFixture: Decodable {
    struct Categorical: Decodable {
        let name: String
        let reference: [String: Double]
        let current: [String: Double]
        let js: Double
        let js_pseudocount_0_5: Double
        let js_distance_scipy: Double
        let psi: Double
    }
    struct Numeric: Decodable {
        let name: String
        let bins: Int
        let reference: [Double]
        let current: [Double]
        let edges: [Double]
        let reference_counts: [Int]
        let current_counts: [Int]
        let psi: Double
    }
    struct Projection: Decodable {
        let seed: UInt64
        let k: Int
        let dim: Int
        let directions: [[Double]]
        let splitmix_seed7_first: String
        let uniforms_seed7: [Double]
    }
    let eps: Double
    let categorical: [Categorical]
    let numeric: [Numeric]
    let projection: Projection

    static let shared: Result<StatsFixture, any Error> = Result {
        try Fixtures.load("distribution_stats", as: StatsFixture.self)
    }
    static let categoricalNames = [
        "identical", "scaled_identical", "shifted", "new_label_in_current", "label_gone_in_current",
        "disjoint", "many_labels", "tiny",
    ]
    static let numericNames = [
        "gaussian_shift", "gaussian_same", "token_lengths_ties", "oov_rate_mostly_zero", "small_reference_5_bins",
    ]

    func categorical(_ name: String) -> Categorical? { categorical.first { $0.name == name } }
    func numeric(_ name: String) -> Numeric? { numeric.first { $0.name == name } }
}

@testable import Monitor

/// `monitor_scenario.json`: a 2400-example stream drifting at 1500, with reference numbers from
/// SciPy / NumPy (windows) and River (detectors).
struct ScenarioFixture: Decodable {
    struct Settings: Decodable {
        let reference_size: Int
        let current_size: Int
        let bins: Int
        let projections: Int
        let projection_seed: UInt64
        let dim: Int
    }
    struct Example: Decodable {
        let label: String
        let error: Double
        let loss: Double
        let tokens: Double
        let oov: Double
        let embedding: [Double]

        var observation: DriftObservation {
            DriftObservation(label: label, error: error == 1, loss: loss, tokenLength: Int(tokens), oovRate: oov,
                             embedding: embedding.map { Float($0) })
        }
    }
    struct Report: Decodable {
        let end: Int
        let current_count: Int
        let label_js: Double
        let label_psi: Double
        let token_length_psi: Double
        let oov_rate_psi: Double
        let projection_psi: [Double]
    }
    struct Rebaseline: Decodable {
        let end: Int
        let current_count: Int
        let label_js: Double
        let label_psi: Double
        let token_length_psi: Double
        let oov_rate_psi: Double
        let projection_psi: [Double]
        let reset_after: Int?
        let adopt_after: Int?
        let detections: [String: [Int]]?
    }
    struct Final: Decodable {
        let adwin_error_estimation: Double
        let adwin_error_width: Int
        let adwin_loss_estimation: Double
        let adwin_loss_width: Int
        let page_hinkley_error_mean: Double
        let page_hinkley_loss_mean: Double
    }
    let settings: Settings
    let examples: [Example]
    let projections_first3: [[Double]]
    let reports: [Report]
    let detections: [String: [Int]]
    let final: Final
    let after_reset: Rebaseline
    let after_adopt: Rebaseline

    static let shared: Result<ScenarioFixture, any Error> = Result {
        try Fixtures.load("monitor_scenario", as: ScenarioFixture.self)
    }

    /// Feeds examples `range` to `monitor`.
    func feed(_ monitor: inout DriftMonitor, _ range: Range<Int>) {
        for e in examples[range] { monitor.observe(e.observation) }
    }

    var configuration: DriftMonitorConfiguration {
        var c = DriftMonitorConfiguration()
        c.referenceSize = settings.reference_size
        c.currentSize = settings.current_size
        c.minimumCurrentCount = 100
        c.bins = settings.bins
        c.projections = settings.projections
        c.projectionSeed = settings.projection_seed
        // The fixture replays River's detectors as River runs them: both directions, from the first value.
        c.pageHinkley = PageHinkleySettings(delta: 0.005, mode: .both)
        c.pageHinkley.alpha = 1 - 0.0001
        c.conceptStandardize = false
        c.conceptOneSided = false
        c.conceptWarmup = 0
        return c
    }
}

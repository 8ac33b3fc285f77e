import Foundation
import Testing

/// Loads the JSON fixtures written by `Fixtures/make_drift_fixtures.py` (River 0.26.1, SciPy, NumPy).
enum Fixtures {
    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(
            Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"),
            "fixture \(name).json missing: run Tests/MonitorTests/Fixtures/make_drift_fixtures.py")
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
}

/// `detector_streams.json`
struct DetectorFixture: Decodable {
    struct ADWINCheckpoint: Decodable {
        let index: Int
        let width: Int
        let estimation: Double
        let variance: Double
        let total: Double
    }
    struct ADWINResult: Decodable {
        let detections: [Int]
        let widths_at_detection: [Int]
        let checkpoints: [ADWINCheckpoint]
        let width: Int
        let estimation: Double
        let variance: Double
        let total: Double
        let n_detections: Int
        let drift_detected: Bool
    }
    struct PageHinkleyResult: Decodable {
        let detections: [Int]
        let mean: Double
        let n: Int
        let sum_increase: Double
        let sum_decrease: Double
        let min_increase: Double
        let max_decrease: Double
        let drift_detected: Bool
    }
    struct Stream: Decodable {
        let values: [Double]
        let adwin: ADWINResult
        let adwin_clock1: ADWINResult
        let page_hinkley: PageHinkleyResult
        let page_hinkley_modes: [String: [Int]]
    }
    let river_version: String
    let streams: [String: Stream]

    static let shared: Result<DetectorFixture, any Error> = Result {
        try Fixtures.load("detector_streams", as: DetectorFixture.self)
    }
    static let streamNames = [
        "bernoulli_abrupt", "bernoulli_gradual", "gaussian_up", "gaussian_down", "no_drift_bernoulli",
        "no_drift_gaussian", "loss_up_down", "long_20k", "river_docstring",
    ]
}

/// Absolute-or-relative closeness for reference numbers.
func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tol * max(1, abs(b))
}

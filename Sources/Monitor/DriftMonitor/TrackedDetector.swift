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

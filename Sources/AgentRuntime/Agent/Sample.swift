import Foundation
import Learner
import Model
import Monitor
import Registry

/// A tokenized example as the learner keeps it (in the batcher, the holdout buffer and the
/// replay reservoir): token ids are computed once on arrival.
struct Sample: Sendable {
    let ids: [Int32]
    let label: String
    let weight: Float
    let oovRate: Double
}

extension AdapterSession.Lineage {
    /// The lineage a manifest records.
    init(_ manifest: Manifest) {
        self.init(digest: manifest.trainedIDs, examplesTrained: manifest.examplesTrained, steps: manifest.steps,
                  examplesSkipped: manifest.examplesSkipped ?? 0)
    }
}

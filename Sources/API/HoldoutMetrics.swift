/// A version's holdout metrics as the gate measured them: the candidate's, and the version that
/// was live then on the same examples (nil when nothing was live).
///
/// One type from the learner to the manifest (`holdout_metrics`), `/v1/adapters/{name}` and the
/// dashboard. The candidate's numbers sit at the top level, as in ``MetricValues``, so a reader of
/// `holdout.accuracy` needs to know nothing about `live`.
package struct HoldoutMetrics: Sendable, Codable, Hashable {
    package var count: Int
    @NullEncoded package var accuracy: Double?
    @NullEncoded package var logLoss: Double?
    /// The live version's numbers on the same holdout examples.
    @NullEncoded package var live: MetricValues?

    package init(_ candidate: MetricValues, live: MetricValues? = nil) {
        count = candidate.count
        accuracy = candidate.accuracy
        logLoss = candidate.logLoss
        self.live = live
    }

    /// The candidate's numbers.
    package var candidate: MetricValues { MetricValues(count: count, accuracy: accuracy, logLoss: logLoss) }

    enum CodingKeys: String, CodingKey {
        case count, accuracy, logLoss = "log_loss", live
    }
}

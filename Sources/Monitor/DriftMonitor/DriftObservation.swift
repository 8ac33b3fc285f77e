/// What the learner knows about one example after predicting it (prequential: test, then train).
package struct DriftObservation: Sendable, Equatable {
    /// The true label.
    package var label: String
    /// Whether the prediction was wrong (fed to the detectors as 1/0).
    package var error: Bool
    /// The example's loss before the train step; non-finite losses skip the loss detectors.
    package var loss: Double
    /// Tokens after truncation, `[CLS]`/`[SEP]` included.
    package var tokenLength: Int
    /// Fraction of word pieces that were `[UNK]`, in [0, 1].
    package var oovRate: Double
    /// The pooled sentence embedding, if the learner computed one.
    package var embedding: [Float]?

    package init(label: String, error: Bool, loss: Double, tokenLength: Int, oovRate: Double,
                embedding: [Float]? = nil) {
        self.label = label
        self.error = error
        self.loss = loss
        self.tokenLength = tokenLength
        self.oovRate = oovRate
        self.embedding = embedding
    }
}

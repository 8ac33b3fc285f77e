import Registry

/// The Learner folds ``ExampleKey``s into the Registry's persisted `TrainedIDsDigest`: one digest
/// type from the training loop to `manifest.json`, so the exactly-once check compares like with like.
extension TrainedIDsDigest {
    /// Adds one trained example by its key (the stable hash of ``ExampleKey/canonical``).
    package mutating func insert(_ key: ExampleKey) {
        insert(hash: key.stableHash)
    }

    /// The digest of an expected collection of example keys, for crash and replay checks.
    package init<Keys: Sequence>(_ keys: Keys) where Keys.Element == ExampleKey {
        self.init()
        for key in keys { insert(key) }
    }
}

import API
import Foundation

/// The registry's own description of one version (`manifest.json`), next to the PEFT files.
///
/// Field names are stable (snake_case, checked by a test) because scripts, dashboards and older
/// agents read them. The manifest is the source of truth for consumer offsets (DESIGN §6).
package struct Manifest: Codable, Sendable, Hashable {
    /// Bumped if the meaning of a field changes; readers refuse a newer format. Format 2 made the
    /// metrics typed objects (format 1 wrote flat `[String: Double]` maps, still read).
    static let currentFormat = 2

    package var format: Int
    package var adapter: String
    package var version: Version
    /// The version this one was trained from (nil for a fresh adapter or an import).
    package var parent: Version?
    package var createdAt: Date
    /// sha256 (hex) of the frozen base model's weights file; an adapter is meaningless on another base.
    package var baseModelSHA256: String
    /// Label vocabulary in classifier-row order; grows as new labels appear.
    package var labels: [String]
    package var examplesTrained: Int
    /// Fresh examples whose train step the non-finite guard skipped: consumed, in no weights,
    /// not in `trained_ids`. nil in manifests written before this count existed.
    package var examplesSkipped: Int?
    package var steps: Int
    /// Next offsets (last + 1) per topic and partition.
    package var offsets: PartitionOffsets
    /// Per topic and partition, where the writing agent's low watermark stood when this version
    /// was written: every record below it that the agent had taken was durable in its adapter's
    /// newest version (or dead-lettered). Durability only grows, so it stays true: a restart may
    /// start a partition at the highest of these over the newest manifests, and must not start
    /// past it. (The lowest `offsets` alone miss an adapter whose examples there were not durable
    /// yet and whose manifest does not know the partition.) nil in manifests written before.
    package var durableBelow: PartitionOffsets?
    package var trainedIDs: TrainedIDsDigest
    /// The gate's numbers on the holdout (nil for a version no gate evaluated, e.g. an import).
    package var holdoutMetrics: HoldoutMetrics?
    /// The stream's test-then-train numbers when the snapshot was taken; a restart continues them.
    package var prequentialMetrics: PrequentialSummary?
    /// sha256 and size of every other file in the version directory.
    package var files: [String: FileDigest]
    package var status: VersionStatus
    /// Why the status is what it is ("gate: accuracy 0.81 < live 0.84 - 0.01", "manual rollback: …").
    package var reason: String
    /// Pinned versions survive retention.
    package var pinned: Bool
    /// Last status change (nil until the first one after writing).
    var statusChangedAt: Date?

    init(
        adapter: String, version: Version, parent: Version?, createdAt: Date, baseModelSHA256: String,
        labels: [String], examplesTrained: Int, steps: Int, offsets: PartitionOffsets,
        trainedIDs: TrainedIDsDigest, holdoutMetrics: HoldoutMetrics?, prequentialMetrics: PrequentialSummary?,
        files: [String: FileDigest], status: VersionStatus, reason: String, pinned: Bool, examplesSkipped: Int? = nil,
        durableBelow: PartitionOffsets? = nil
    ) {
        self.format = Self.currentFormat
        self.adapter = adapter
        self.version = version
        self.parent = parent
        self.createdAt = createdAt
        self.baseModelSHA256 = baseModelSHA256
        self.labels = labels
        self.examplesTrained = examplesTrained
        self.examplesSkipped = examplesSkipped
        self.steps = steps
        self.offsets = offsets
        self.durableBelow = durableBelow
        self.trainedIDs = trainedIDs
        self.holdoutMetrics = holdoutMetrics
        self.prequentialMetrics = prequentialMetrics
        self.files = files
        self.status = status
        self.reason = reason
        self.pinned = pinned
        self.statusChangedAt = nil
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format
        case adapter
        case version
        case parent
        case createdAt = "created_at"
        case baseModelSHA256 = "base_model_sha256"
        case labels
        case examplesTrained = "examples_trained"
        case examplesSkipped = "examples_skipped"
        case steps
        case offsets
        case durableBelow = "durable_below"
        case trainedIDs = "trained_ids"
        case holdoutMetrics = "holdout_metrics"
        case prequentialMetrics = "prequential_metrics"
        case files
        case status
        case reason
        case pinned
        case statusChangedAt = "status_changed_at"
    }
}

/// Checksum and size of one file of a version; the size gives a clearer message for a truncated file.
package struct FileDigest: Codable, Sendable, Hashable {
    var sha256: String
    var bytes: Int

    init(sha256: String, bytes: Int) {
        self.sha256 = sha256
        self.bytes = bytes
    }
}

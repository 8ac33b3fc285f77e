import Foundation

/// One adapter as `GET /v1/adapters` lists it.
package struct AdapterInfo: Sendable, Codable, Equatable {
    package var name: String
    /// The version predictions are served from; nil before the first snapshot.
    @NullEncoded package var liveVersion: String?
    /// The newest version on disk (may be a candidate or rejected).
    @NullEncoded package var latestVersion: String?
    /// Versions on disk.
    package var versionCount: Int
    /// The label vocabulary of the live version, in index order.
    package var labels: [String]
    /// Whether messages without a key train this adapter.
    package var isDefault: Bool
    /// LoRA hyper-parameters; nil when not known yet.
    @NullEncoded package var lora: LoRAInfo?

    package init(name: String, liveVersion: String? = nil, latestVersion: String? = nil, versionCount: Int = 0,
                labels: [String] = [], isDefault: Bool = false, lora: LoRAInfo? = nil) {
        self.name = name
        self.liveVersion = liveVersion
        self.latestVersion = latestVersion
        self.versionCount = versionCount
        self.labels = labels
        self.isDefault = isDefault
        self.lora = lora
    }

    enum CodingKeys: String, CodingKey {
        case name, liveVersion = "live_version", latestVersion = "latest_version", versionCount = "version_count"
        case labels, isDefault = "is_default", lora
    }
}

/// LoRA hyper-parameters and parameter economy of an adapter.
package struct LoRAInfo: Sendable, Codable, Equatable {
    /// Rank `r`.
    package var rank: Int
    /// `lora_alpha`; the update is scaled by `alpha / rank`.
    package var alpha: Double
    package var targetModules: [String]
    /// Parameters trained (LoRA A, B and the head).
    package var trainableParameters: Int
    /// All parameters of base + adapter.
    package var totalParameters: Int

    package init(rank: Int, alpha: Double, targetModules: [String], trainableParameters: Int, totalParameters: Int) {
        self.rank = rank
        self.alpha = alpha
        self.targetModules = targetModules
        self.trainableParameters = trainableParameters
        self.totalParameters = totalParameters
    }

    enum CodingKeys: String, CodingKey {
        case rank = "r", alpha = "lora_alpha", targetModules = "target_modules"
        case trainableParameters = "trainable_parameters", totalParameters = "total_parameters"
    }
}

/// One adapter version as `GET /v1/adapters/{name}` lists it and promote/rollback return it.
package struct VersionInfo: Sendable, Codable, Equatable {
    /// Six-digit version name, e.g. `000042`.
    package var version: String
    /// The version it was trained from.
    @NullEncoded package var parent: String?
    package var createdAt: Date
    package var status: VersionStatus
    /// Whether it is the version `LIVE` points at now.
    package var isLive: Bool
    package var examplesTrained: Int
    package var steps: Int
    /// Metrics on the holdout slice when the gate evaluated it (and live's on the same examples).
    @NullEncoded package var holdout: HoldoutMetrics?
    /// Prequential metrics of the stream up to this snapshot.
    @NullEncoded package var prequential: PrequentialSummary?
    /// Why it got its status (gate verdict, operator's reason for a promote or rollback).
    @NullEncoded package var reason: String?

    package init(version: String, parent: String? = nil, createdAt: Date, status: VersionStatus, isLive: Bool,
                examplesTrained: Int = 0, steps: Int = 0, holdout: HoldoutMetrics? = nil,
                prequential: PrequentialSummary? = nil, reason: String? = nil) {
        self.version = version
        self.parent = parent
        self.createdAt = createdAt
        self.status = status
        self.isLive = isLive
        self.examplesTrained = examplesTrained
        self.steps = steps
        self.holdout = holdout
        self.prequential = prequential
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case version, parent, createdAt = "created_at", status, isLive = "is_live"
        case examplesTrained = "examples_trained", steps, holdout, prequential, reason
    }
}

import API
import Foundation

extension Manifest {
    /// Writes every field, `null` included, so a reader sees the same set of keys in every manifest,
    /// always in the current format (a rewritten format-1 manifest becomes format 2).
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.currentFormat, forKey: .format)
        try c.encode(adapter, forKey: .adapter)
        try c.encode(version, forKey: .version)
        try c.encode(parent, forKey: .parent)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(baseModelSHA256, forKey: .baseModelSHA256)
        try c.encode(labels, forKey: .labels)
        try c.encode(examplesTrained, forKey: .examplesTrained)
        try c.encode(examplesSkipped, forKey: .examplesSkipped)
        try c.encode(steps, forKey: .steps)
        try c.encode(offsets, forKey: .offsets)
        try c.encode(durableBelow, forKey: .durableBelow)
        try c.encode(trainedIDs, forKey: .trainedIDs)
        try c.encode(holdoutMetrics, forKey: .holdoutMetrics)
        try c.encode(prequentialMetrics, forKey: .prequentialMetrics)
        try c.encode(files, forKey: .files)
        try c.encode(status, forKey: .status)
        try c.encode(reason, forKey: .reason)
        try c.encode(pinned, forKey: .pinned)
        try c.encode(statusChangedAt, forKey: .statusChangedAt)
    }

    /// Reads formats 1 and 2. They differ only in the metrics: format 1 wrote them as flat maps of
    /// numbers (see ``HoldoutMetrics/init(format1:)``), which existing registries still hold.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(Int.self, forKey: .format)
        adapter = try c.decode(String.self, forKey: .adapter)
        version = try c.decode(Version.self, forKey: .version)
        parent = try c.decodeIfPresent(Version.self, forKey: .parent)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        baseModelSHA256 = try c.decode(String.self, forKey: .baseModelSHA256)
        labels = try c.decode([String].self, forKey: .labels)
        examplesTrained = try c.decode(Int.self, forKey: .examplesTrained)
        examplesSkipped = try c.decodeIfPresent(Int.self, forKey: .examplesSkipped)
        steps = try c.decode(Int.self, forKey: .steps)
        offsets = try c.decode(PartitionOffsets.self, forKey: .offsets)
        durableBelow = try c.decodeIfPresent(PartitionOffsets.self, forKey: .durableBelow)
        trainedIDs = try c.decode(TrainedIDsDigest.self, forKey: .trainedIDs)
        if format < 2 {
            holdoutMetrics = HoldoutMetrics(format1: try c.decodeIfPresent([String: Double].self, forKey: .holdoutMetrics) ?? [:])
            prequentialMetrics = PrequentialSummary(format1: try c.decodeIfPresent([String: Double].self, forKey: .prequentialMetrics) ?? [:])
        } else {
            holdoutMetrics = try c.decodeIfPresent(HoldoutMetrics.self, forKey: .holdoutMetrics)
            prequentialMetrics = try c.decodeIfPresent(PrequentialSummary.self, forKey: .prequentialMetrics)
        }
        files = try c.decode([String: FileDigest].self, forKey: .files)
        status = try c.decode(VersionStatus.self, forKey: .status)
        reason = try c.decode(String.self, forKey: .reason)
        pinned = try c.decode(Bool.self, forKey: .pinned)
        statusChangedAt = try c.decodeIfPresent(Date.self, forKey: .statusChangedAt)
    }
}

extension HoldoutMetrics {
    /// Format 1's flat map: `examples`, `accuracy`, `log_loss`, and the live version's as
    /// `live_examples`, `live_accuracy`, `live_log_loss`. Nil when it holds no count.
    init?(format1 n: [String: Double]) {
        guard let candidate = MetricValues(format1: n, prefix: "") else { return nil }
        self.init(candidate, live: MetricValues(format1: n, prefix: "live_"))
    }
}

extension PrequentialSummary {
    /// Format 1's flat map: `examples`, `accuracy`, `log_loss`, `window`, `window_examples`,
    /// `window_accuracy`, `window_log_loss`, and `label_count.<label>` per label. Nil when it holds
    /// no count.
    init?(format1 n: [String: Double]) {
        guard let cumulative = MetricValues(format1: n, prefix: "") else { return nil }
        var counts: [String: Int] = [:]
        for (key, value) in n where key.hasPrefix("label_count.") {
            counts[String(key.dropFirst("label_count.".count))] = Int(value)
        }
        self.init(cumulative: cumulative, windowed: MetricValues(format1: n, prefix: "window_") ?? MetricValues(),
                  window: Int(n["window"] ?? 0), labelCounts: counts)
    }
}

extension MetricValues {
    /// `<prefix>examples`, `<prefix>accuracy`, `<prefix>log_loss` of a format-1 map.
    fileprivate init?(format1 n: [String: Double], prefix: String) {
        guard let count = n[prefix + "examples"] else { return nil }
        self.init(count: Int(count), accuracy: n[prefix + "accuracy"], logLoss: n[prefix + "log_loss"])
    }
}

/// Settings of the policy, monitoring and service sections, with their defaults.
extension PipelineConfig {
    /// `snapshot:` — when versions are written.
    public struct SnapshotSettings: Sendable, Equatable {
        /// Snapshot after this many trained examples (0 = only by time).
        public var everyExamples = 500
        /// Snapshot after this many seconds with new training (0 = only by count).
        public var everySeconds = 60.0
        /// Versions kept per adapter besides the live one and its parent (older ones are retired).
        public var keepLast = 20
        public init() {}

        /// The policy these settings describe, starting at `start`.
        public func policy(start: ContinuousClock.Instant) -> SnapshotPolicy {
            SnapshotPolicy(everyExamples: everyExamples, every: .milliseconds(Int64((everySeconds * 1000).rounded())),
                           start: start)
        }
    }

    /// `gate:` — promotion of candidates.
    public struct GateSettings: Sendable, Equatable {
        public var metric = QualityMetric.accuracy
        /// Allowed regression vs live, in the metric's units.
        public var tolerance = 0.02
        /// Fewer holdout examples defer the decision.
        public var minHoldout = 50
        public init() {}

        public var gate: PromotionGate { PromotionGate(metric: metric, tolerance: tolerance, minHoldout: minHoldout) }
    }

    /// `rollback:` — automatic rollback after promotions.
    public struct RollbackSettings: Sendable, Equatable {
        public var enabled = true
        /// Allowed worsening of the windowed metric (gate.metric) vs its pre-promotion level.
        public var metricDrop = 0.05
        public var window = 200
        public var minExamples = 100
        /// How long (in examples) a promotion stays under watch; 0 = until the next one.
        public var watchExamples = 2_000
        public var lossSpikeK = 3.0
        public var lossEMAAlpha = 0.05
        public var lossWarmupSteps = 20
        /// A metric drop must also exceed this many standard errors (sampling noise); 0 = off.
        public var noiseZ = 3.0
        public init() {}

        /// The monitor settings, judging `metric`.
        public func monitorSettings(metric: QualityMetric) -> RollbackMonitor.Settings {
            RollbackMonitor.Settings(metric: metric, metricDrop: metricDrop, window: window, minExamples: minExamples,
                                     watchExamples: watchExamples, lossSpikeK: lossSpikeK,
                                     lossEMAAlpha: lossEMAAlpha, lossWarmupSteps: lossWarmupSteps, noiseZ: noiseZ)
        }
    }

    /// `drift:` — drift detection (computed by the Monitor module).
    public struct DriftSettings: Sendable, Equatable {
        public var enabled = true
        /// Examples in the reference window (the distribution drift is measured against).
        public var referenceWindow = 1_000
        /// Examples in the current window.
        public var currentWindow = 500
        /// Bins for PSI of continuous statistics.
        public var psiBins = 10
        /// PSI above this is reported as drift (0.2 is the customary "significant shift").
        public var psiThreshold = 0.2
        /// Jensen–Shannon divergence (base 2) of label distributions above this is drift.
        public var jsThreshold = 0.1
        /// Random projections of the embedding tracked for input drift.
        public var embeddingProjections = 8
        /// ADWIN confidence δ on the prequential error (River's default).
        public var adwinDelta = 0.002
        public var pageHinkley = PageHinkleySettings()
        public init() {}
    }

    /// `drift.page_hinkley:` — Page–Hinkley test on the prequential loss (River's defaults).
    public struct PageHinkleySettings: Sendable, Equatable {
        public var minInstances = 30
        public var delta = 0.005
        public var threshold = 50.0
        /// Forgetting factor.
        public var alpha = 0.9999
        public init() {}
    }

    /// `registry:` — where versions live.
    public struct RegistrySettings: Sendable, Equatable {
        /// Root directory holding one folder per adapter.
        public var path = "registry"
        public init() {}
    }

    /// `server:` — HTTP control plane.
    public struct ServerSettings: Sendable, Equatable {
        public var host = "127.0.0.1"
        /// TCP port; 0 picks a free one.
        public var port = 8080
        /// Environment variable holding the bearer token for mutations.
        public var tokenEnv = "STREAMLORA_TOKEN"
        public init() {}
    }

    /// `routing:` — message key → adapter.
    public struct RoutingSettings: Sendable, Equatable {
        /// Adapter for messages without a key.
        public var defaultAdapter = "default"
        public init() {}
    }
}

import Monitor

/// Settings of the policy, monitoring and service sections, with their defaults.
extension PipelineConfig {
    /// `snapshot:` — when versions are written.
    package struct SnapshotSettings: Sendable, Equatable {
        /// Snapshot after this many trained examples (0 = only by time).
        var everyExamples = 500
        /// Snapshot after this many seconds with new training (0 = only by count).
        var everySeconds = 60.0
        /// Versions kept per adapter besides the live one and its parent (older ones are retired).
        package var keepLast = 20
        init() {}

        /// The policy these settings describe, starting at `start`.
        func policy(start: ContinuousClock.Instant) -> SnapshotPolicy {
            SnapshotPolicy(everyExamples: everyExamples, every: .milliseconds(Int64((everySeconds * 1000).rounded())),
                           start: start)
        }
    }

    /// `gate:` — promotion of candidates.
    package struct GateSettings: Sendable, Equatable {
        var metric = QualityMetric.accuracy
        /// Allowed regression vs live, in the metric's units.
        var tolerance = 0.02
        /// Fewer holdout examples defer the decision.
        var minHoldout = 50
        init() {}

        var gate: PromotionGate { PromotionGate(metric: metric, tolerance: tolerance, minHoldout: minHoldout) }
    }

    /// `rollback:` — automatic rollback after promotions.
    package struct RollbackSettings: Sendable, Equatable {
        var enabled = true
        /// Allowed worsening of the windowed metric (gate.metric) vs its pre-promotion level.
        var metricDrop = 0.05
        var window = 200
        var minExamples = 100
        /// How long (in examples) a promotion stays under watch; 0 = until the next one.
        var watchExamples = 2_000
        /// Loss spike: `loss_spike_steps` consecutive steps above max(floor, k × median loss).
        var lossSpikeK = 3.0
        var lossSpikeFloor = 1.0
        var lossSpikeSteps = 3
        var lossHistory = 50
        var lossWarmupSteps = 20
        /// Significance of the paired test (live vs predecessor) that confirms a metric drop.
        package var pairedAlpha = 0.01
        /// A metric drop must also exceed this many standard errors (sampling noise); 0 = off.
        var noiseZ = 3.0
        init() {}

        /// The monitor settings, judging `metric`.
        func monitorSettings(metric: QualityMetric) -> RollbackMonitor.Settings {
            RollbackMonitor.Settings(metric: metric, metricDrop: metricDrop, window: window, minExamples: minExamples,
                                     watchExamples: watchExamples, lossSpikeK: lossSpikeK,
                                     lossSpikeFloor: lossSpikeFloor, lossSpikeSteps: lossSpikeSteps,
                                     lossHistory: lossHistory, lossWarmupSteps: lossWarmupSteps, noiseZ: noiseZ)
        }
    }

    /// `drift:` — drift detection (computed by the Monitor module).
    package struct DriftSettings: Sendable, Equatable {
        /// Off: no monitor is fed, `/v1/drift` stays empty and no drift adaptation happens.
        package var enabled = true
        /// Examples in the reference window (the distribution drift is measured against).
        var referenceWindow = 1_000
        /// Examples in the current window.
        var currentWindow = 500
        /// Bins for PSI and the G-test of continuous statistics.
        var psiBins = 10
        /// PSI reported as a large shift (an effect size; severity comes from `p_alert`).
        var psiThreshold = 0.2
        /// Jensen–Shannon divergence (base 2) of labels reported as large (an effect size).
        var jsThreshold = 0.1
        /// A label or input part alerts when its (Holm-corrected) G-test p-value is below this.
        var pAlert = 0.0001
        /// … and warns below this.
        var pWarn = 0.001
        /// Cochran's minimum expected count per cell; rarer categories are pooled.
        var minimumExpected = 5.0
        /// Random projections of the embedding tracked for input drift.
        var embeddingProjections = 8
        /// Examples before the concept detectors are fed (the learner's warm-up).
        var conceptWarmup = 500
        /// Only a rising error or loss is an ADWIN alarm (Page-Hinkley: its `mode`).
        var conceptOneSided = true
        /// Page-Hinkley sees values in units of their warm-up standard deviation.
        var conceptStandardize = true
        /// Page-Hinkley restarts at each ADWIN improvement cut of its signal.
        var conceptReanchor = true
        var adwin = ADWINOptions()
        var pageHinkley = PageHinkleySettings()
        /// Reacting to a confirmed concept alarm (see ``DriftAdaptation``).
        package var adaptation = AdaptationSettings()
        init() {}
    }

    /// `drift.adwin:` — River's ADWIN parameters on the prequential error and loss.
    struct ADWINOptions: Sendable, Equatable {
        /// Confidence δ.
        var delta = 0.002
        var clock = 32
        var maxBuckets = 5
        var minWindowLength = 5
        var gracePeriod = 10
        init() {}
    }

    /// `drift.page_hinkley:` — Page–Hinkley test on the prequential error and loss (River's
    /// defaults, except `mode: up`: only degradation alarms, and δ 0.1 in units of the signal's
    /// warm-up standard deviation when `concept_standardize`).
    struct PageHinkleySettings: Sendable, Equatable {
        var minInstances = 30
        var delta = 0.1
        var threshold = 50.0
        /// Forgetting factor (1: none; see the Monitor's `PageHinkleySettings`).
        var alpha = 1.0
        var mode = PageHinkley.Mode.up
        init() {}
    }

    /// `drift.adaptation:` — what the learner does after a confirmed concept alarm.
    package struct AdaptationSettings: Sendable, Equatable {
        var enabled = true
        /// Keep only this share of the replay reservoir (its oldest, pre-change examples
        /// otherwise keep teaching the old concept); 0 empties it.
        var replayKeep = 0.0
        /// Multiply the head learning rate by this for `boost_steps` steps. Measured on the
        /// Debian stream with its top-10 sections permuted (ops/bench/decisions, one seed):
        /// × 2 for 30 steps recovered in 696 examples, × 5 for 60 steps in 424 (PEFT: 1,067).
        package var headLRBoost = 5.0
        /// …raised further so the boosted head learning rate is at least this (0: no floor):
        /// a multiplier alone leaves a low `training.head_lr` (PEFT's 1e-3) too low to relearn
        /// a relabelling fast.
        var headLRFloor = 0.02
        package var boostSteps = 60
        /// During those `boost_steps` steps, add this many rows to each batch drawn from the
        /// examples trained since the alarm (0: off), whatever `training.replay` says.
        var postChangeReplay = 48
        /// During those `boost_steps` steps, after each train step, this many head-only Adam
        /// passes (step `head_refit_lr`, no weight decay) on the pooled features of the step's
        /// rows, recomputed with the updated weights (0: off): a relabelling lives in the head,
        /// and a head step on 384-d features costs a small fraction of an encoder pass.
        package var headRefitPasses = 5
        package var headRefitLR = 0.01
        /// Reset the AdamW moments (they point along the old concept's gradients).
        var resetOptimizer = true
        /// Holdout examples from before the alarm are dropped, so the gate judges the new
        /// concept; until this many new ones arrived it judges on what it has (≥ 1).
        package var minHoldoutAfter = 20
        /// The incident's trainer is judged against live on every post-alarm arrival, paired
        /// (``IncidentJudge``): the chance of any false verdict, and the most arrivals judged.
        var incidentAlpha = 0.05
        var incidentExamples = 400
        /// Alarms closer together than this many examples are one incident.
        var cooldownExamples = 1_000
        /// A label first seen after the warm-up (`drift.concept_warmup` examples) boosts the head
        /// learning rate likewise (`head_lr_boost` for `boost_steps` steps): its fresh row starts
        /// far behind the rows trained since the start.
        var newLabelBoost = true
        init() {}
    }

    /// `registry:` — where versions live.
    package struct RegistrySettings: Sendable, Equatable {
        /// Root directory holding one folder per adapter.
        package var path = "registry"
        init() {}
    }

    /// `server:` — HTTP control plane.
    package struct ServerSettings: Sendable, Equatable {
        package var host = "127.0.0.1"
        /// TCP port; 0 picks a free one.
        package var port = 8080
        /// Environment variable holding the bearer token for mutations.
        package var tokenEnv = "STREAMLORA_TOKEN"
        /// Most connections open at once (further ones wait in the listen backlog): below the
        /// usual `ulimit -n` of 1024, so a flood of sockets leaves descriptors for snapshots.
        package var maxConnections = 512
        /// Seconds a connection may sit without sending a request before it is closed.
        package var idleTimeoutSeconds = 10
        init() {}
    }

    /// `residency:` — how many adapters stay in memory.
    package struct ResidencySettings: Sendable, Equatable {
        /// Most adapters held in memory, for serving (live versions) and for training (trainers):
        /// the memory budget in adapters. The least recently used beyond it are evicted (a
        /// trainer after a durable snapshot) and reloaded from the registry on demand. 0: unbounded.
        package var maxAdapters = 0
        init() {}
    }

    /// `routing:` — message key → adapter.
    package struct RoutingSettings: Sendable, Equatable {
        /// Adapter for messages without a key.
        package var defaultAdapter = "default"
        init() {}
    }
}

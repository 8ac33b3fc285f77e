import Tensor
/// Settings of each pipeline section, with their defaults. `pipelines/template.yaml`
/// documents the same keys; keep the two in step (a test compares them).
extension PipelineConfig {
    /// `kafka:` — the source topic and the client.
    package struct KafkaSettings: Sendable, Equatable {
        /// `host:port` of bootstrap brokers.
        package var brokers = ["127.0.0.1:9092"]
        package var topic = "examples"
        /// Consumer group; agents in one group split the adapters between them.
        package var group = "streamlora"
        /// librdkafka properties passed through verbatim (after `${VAR}` expansion), e.g. SASL/SSL.
        package var properties: [String: String] = [:]
        /// Dead-letter topic for undecodable messages; `nil` means `<topic>.dlq`.
        package var dlqTopicOverride: String?
        /// Record values larger than this (bytes) are not decoded but dead-lettered as `too_large`.
        /// One limit for the whole pipeline: 64 KiB, as the README documents.
        package var maxMessageBytes = 65_536
        /// Where a partition starts that no manifest in the registry has recorded. Never at a
        /// committed group offset: someone else may have written it (§6).
        package var unrecordedStart = UnrecordedStart.earliest

        /// Start position of a partition the registry has never recorded.
        package enum UnrecordedStart: String, Sendable, Equatable, CaseIterable {
            /// The log's first record: every record gets its fate.
            case earliest
            /// Records produced from now on (a new pipeline on an old topic).
            case latest
        }

        /// What happens to the adapters of partitions lost without a handover (session timeout,
        /// broker down) while nobody demonstrably owns them.
        package var lostPartitions = LostPartitions.serve

        /// The serving policy for adapters whose partitions were lost.
        package enum LostPartitions: String, Sendable, Equatable, CaseIterable {
            /// Keep serving their live version, following `LIVE` in the registry read-only (DESIGN §9).
            case serve
            /// Stop serving them until their partitions are assigned here again.
            case stop
        }

        init() {}

        /// The dead-letter topic in effect.
        var dlqTopic: String { dlqTopicOverride ?? "\(topic).dlq" }
    }

    /// `model:` — the frozen base and the LoRA adapter's shape.
    package struct ModelSettings: Sendable, Equatable {
        /// How the sequence is pooled for the head.
        package enum Pooling: String, Sendable, Equatable, CaseIterable {
            /// BERT pooler (dense + tanh) on `[CLS]`, as `BertForSequenceClassification` (PEFT-compatible).
            case cls
            /// Mask-weighted mean of the last hidden states (sentence-transformers style).
            case mean
        }

        /// Linear layers LoRA may target, named as PEFT's `target_modules` for BERT.
        static let knownTargets = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]

        /// Directory with `model.safetensors`, `config.json`, `vocab.txt`.
        package var path = "models/all-MiniLM-L6-v2"
        package var pooling = Pooling.cls
        /// Token limit including `[CLS]` and `[SEP]`.
        package var maxLength = 128
        /// LoRA target modules.
        package var targets = ["query", "value"]
        /// LoRA rank r.
        package var rank = 8
        /// LoRA alpha (scale = alpha / r).
        package var alpha = 16.0
        /// Dropout on the LoRA input during training.
        package var dropout = 0.0
        /// Seed for adapter initialization and dropout.
        package var seed: UInt64 = 42
        /// Arithmetic of the frozen matrix products: fp32 (reference), bf16 (needs AVX512_BF16),
        /// or auto (bf16 only where the CPU has it and a probe finds it faster than fp32).
        package var precision = PrecisionSetting.fp32

        init() {}
    }

    /// `training:` — optimizer, schedule, micro-batching and replay.
    package struct TrainingSettings: Sendable, Equatable {
        /// Learning rate of the LoRA matrices.
        package var lr = 2e-3
        /// Learning rate of the classification head (new, so it learns faster).
        package var headLR = 6e-2
        /// AdamW decoupled weight decay.
        package var weightDecay = 0.01
        package var beta1 = 0.9
        package var beta2 = 0.999
        package var eps = 1e-8
        var warmupSteps = 10
        /// Shape after warm-up.
        var schedule = LearningRateSchedule.Kind.constant
        /// Decay horizon in updates (for `linear` and `cosine`).
        var decaySteps = 10_000
        /// Floor of the decayed rate, as a fraction of the base rate.
        var minLRRatio = 0.0
        /// Global gradient-norm clip; 0 disables clipping.
        package var clipNorm = 1.0
        /// Largest accepted example `weight`; records with a weight ≤ 0, above this or not finite are
        /// dead-lettered as `invalid_weight` (a weight of 1e30 turns the loss non-finite).
        package var maxWeight = 100.0
        /// Examples per train step (fresh + replay).
        package var batchSize = 16
        /// Longest a partial batch waits before training anyway.
        var maxWaitMilliseconds = 200
        var replay = ReplaySettings()

        init() {}

        /// The schedule these settings describe.
        var learningRateSchedule: LearningRateSchedule {
            LearningRateSchedule(kind: schedule, warmupSteps: warmupSteps, decaySteps: decaySteps, minRatio: minLRRatio)
        }

        /// The fresh/replay split of a batch.
        var replayMix: ReplayMix {
            ReplayMix(batchSize: batchSize, share: replay.capacity > 0 ? replay.share : 0)
        }

        /// The batcher's time bound.
        package var maxWait: Duration { .milliseconds(maxWaitMilliseconds) }
    }

    /// `training.replay:` — the reservoir of past examples mixed into batches.
    struct ReplaySettings: Sendable, Equatable {
        /// Reservoir size; 0 disables replay.
        var capacity = 1_000
        /// Target fraction of each batch taken from the reservoir.
        var share = 0.25
        init() {}
    }

    /// `holdout:` — the slice never trained on.
    package struct HoldoutSettings: Sendable, Equatable {
        var share = 0.05
        /// How many of the most recent holdout examples the gate and the paired rollback test
        /// evaluate on. 400 at a 5 % share span the last ~8,000 stream examples: recent enough
        /// to judge the present, large enough for a paired comparison (saved with the registry).
        var buffer = 400
        init() {}

        var splitter: HoldoutSplitter { HoldoutSplitter(share: share) }
    }

    /// `metrics:` — prequential metric windows.
    package struct MetricsSettings: Sendable, Equatable {
        /// Sliding window of the windowed prequential metrics.
        package var window = 500
        init() {}
    }
}

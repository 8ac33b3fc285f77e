import Yams

/// Decoding of each YAML section into the settings structs. Every value is checked
/// where it is read, so the message can quote it together with its line.
extension PipelineConfig {
    mutating func decode(_ root: Node?, reader r: ConfigReader) {
        guard var top = r.section(root, path: "") else { return }
        r.string(&top, "name", into: &name, .identifier("letters, digits, '.', '_' or '-'"))
        if var s = r.subsection(&top, "kafka") { kafka.decode(&s, r) }
        if var s = r.subsection(&top, "model") { model.decode(&s, r) }
        if var s = r.subsection(&top, "training") { training.decode(&s, r) }
        if var s = r.subsection(&top, "holdout") {
            r.double(&s, "share", into: &holdout.share, .range(0, 0.5, openLower: true, closedUpper: true))
            r.int(&s, "buffer", into: &holdout.buffer, .atLeast(1))
            r.finish(s)
        }
        if var s = r.subsection(&top, "metrics") {
            r.int(&s, "window", into: &metrics.window, .atLeast(1))
            r.finish(s)
        }
        if var s = r.subsection(&top, "snapshot") {
            r.int(&s, "every_examples", into: &snapshot.everyExamples, .atLeast(0))
            r.double(&s, "every_seconds", into: &snapshot.everySeconds, .atLeast(0))
            r.int(&s, "keep_last", into: &snapshot.keepLast, .atLeast(1))
            r.finish(s)
        }
        if var s = r.subsection(&top, "gate") {
            r.choice(&s, "metric", into: &gate.metric)
            r.double(&s, "tolerance", into: &gate.tolerance, .atLeast(0))
            r.int(&s, "min_holdout", into: &gate.minHoldout, .atLeast(0))
            r.finish(s)
        }
        if var s = r.subsection(&top, "rollback") { rollback.decode(&s, r) }
        if var s = r.subsection(&top, "drift") { drift.decode(&s, r) }
        if var s = r.subsection(&top, "registry") {
            r.string(&s, "path", into: &registry.path, .nonEmpty)
            r.finish(s)
        }
        if var s = r.subsection(&top, "server") {
            r.string(&s, "host", into: &server.host, .nonEmpty)
            r.int(&s, "port", into: &server.port, .range(0...65_535))
            r.string(&s, "token_env", into: &server.tokenEnv, Check {
                EnvironmentExpansion.isVariableName($0) ? nil : "must be an environment variable name, got \"\($0)\""
            })
            r.int(&s, "max_connections", into: &server.maxConnections, .range(1...1_000_000))
            r.int(&s, "idle_timeout_seconds", into: &server.idleTimeoutSeconds, .range(1...3_600))
            r.finish(s)
        }
        if var s = r.subsection(&top, "residency") {
            r.int(&s, "max_adapters", into: &residency.maxAdapters, .range(0...10_000_000))
            r.finish(s)
        }
        if var s = r.subsection(&top, "routing") {
            r.string(&s, "default_adapter", into: &routing.defaultAdapter, .identifier("letters, digits, '.', '_' or '-'"))
            r.finish(s)
        }
        r.finish(top)
    }

    /// Constraints between settings, checked once every value is individually valid.
    func validateCrossField(reader r: ConfigReader) {
        if kafka.dlqTopic == kafka.topic {
            r.fail("kafka.dlq_topic", nil, "must differ from kafka.topic (\(kafka.topic))")
        }
        if training.schedule != .constant, training.decaySteps <= training.warmupSteps {
            r.fail("training.decay_steps", nil,
                   "must be > training.warmup_steps (\(training.warmupSteps)) for schedule \(training.schedule.rawValue), got \(training.decaySteps)")
        }
        if gate.minHoldout > holdout.buffer {
            r.fail("gate.min_holdout", nil,
                   "must be ≤ holdout.buffer (\(holdout.buffer)), got \(gate.minHoldout): the gate could never decide")
        }
        if snapshot.everyExamples == 0, snapshot.everySeconds == 0 {
            r.fail("snapshot", nil, "every_examples and every_seconds cannot both be 0: nothing would ever be saved")
        }
        if drift.currentWindow > drift.referenceWindow {
            r.fail("drift.current_window", nil,
                   "must be ≤ drift.reference_window (\(drift.referenceWindow)), got \(drift.currentWindow)")
        }
    }
}

extension PipelineConfig.KafkaSettings {
    /// librdkafka properties StreamLoRA sets itself; passing them would break its guarantees.
    static let managedProperties: [String: String] = [
        "enable.auto.commit": "managed by StreamLoRA (offsets are committed only after a durable snapshot)",
        "enable.auto.offset.store": "managed by StreamLoRA (offsets are stored only after a durable snapshot)",
        "group.id": "set it with kafka.group",
        "bootstrap.servers": "set it with kafka.brokers",
        "metadata.broker.list": "set it with kafka.brokers",
    ]

    mutating func decode(_ s: inout ConfigReader.Section, _ r: ConfigReader) {
        var list = brokers
        if let line = r.stringList(&s, "brokers", into: &list, commaSeparated: true) {
            var ok = !list.isEmpty
            if list.isEmpty { r.fail(s.child("brokers"), line, "must list at least one host:port") }
            for broker in list {
                var expanded = broker
                do {
                    expanded = try EnvironmentExpansion.expand(broker, environment: r.environment)
                } catch {
                    r.fail(s.child("brokers"), line, error.description)
                    ok = false
                    continue
                }
                if let problem = Self.brokerProblem(expanded) {
                    r.fail(s.child("brokers"), line, problem)
                    ok = false
                }
            }
            if ok {
                brokers = list.map { (try? EnvironmentExpansion.expand($0, environment: r.environment)) ?? $0 }
            }
        }
        r.string(&s, "topic", into: &topic, .topicName)
        r.string(&s, "group", into: &group, .nonEmpty)
        if var props = r.subsection(&s, "properties") {
            for entry in props.entries {
                let path = props.child(entry.key)
                _ = r.take(&props, entry.key)
                if let reason = Self.managedProperties[entry.key] {
                    r.fail(path, entry.line, reason)
                    continue
                }
                if r.isNull(entry.value) {
                    r.fail(path, entry.line, "missing value (quote an intentionally empty one: \"\")")
                    continue
                }
                guard case .scalar(let scalar) = entry.value else {
                    r.fail(path, entry.line, "expected a scalar value, got \(r.describe(entry.value))")
                    continue
                }
                do {
                    properties[entry.key] = try EnvironmentExpansion.expand(scalar.string, environment: r.environment)
                } catch {
                    r.fail(path, entry.line, error.description)
                }
            }
        }
        var dlq = dlqTopicOverride ?? ""
        r.string(&s, "dlq_topic", into: &dlq, .topicName)
        if !dlq.isEmpty { dlqTopicOverride = dlq }
        r.int(&s, "max_message_bytes", into: &maxMessageBytes, .range(1_000...1_000_000_000))
        r.choice(&s, "unrecorded_start", into: &unrecordedStart)
        r.choice(&s, "lost_partitions", into: &lostPartitions)
        r.finish(s)
    }

    /// Why `broker` is not `host:port` (IPv6 hosts in brackets), or `nil`.
    static func brokerProblem(_ broker: String) -> String? {
        guard let colon = broker.lastIndex(of: ":") else {
            return "\"\(broker)\" must be host:port"
        }
        let host = broker[..<colon]
        guard !host.isEmpty, let port = Int(broker[broker.index(after: colon)...]), (1...65_535).contains(port) else {
            return "\"\(broker)\" must be host:port with a port in 1...65535"
        }
        return nil
    }
}

extension PipelineConfig.ModelSettings {
    mutating func decode(_ s: inout ConfigReader.Section, _ r: ConfigReader) {
        r.string(&s, "path", into: &path, .nonEmpty)
        r.choice(&s, "pooling", into: &pooling)
        r.int(&s, "max_length", into: &maxLength, .range(3...512))
        var list = targets
        if let line = r.stringList(&s, "targets", into: &list) {
            let unknown = list.filter { !Self.knownTargets.contains($0) }
            if list.isEmpty {
                r.fail(s.child("targets"), line, "must name at least one module")
            } else if !unknown.isEmpty {
                r.fail(s.child("targets"), line,
                       "unknown module \(unknown.joined(separator: ", ")); known: \(Self.knownTargets.joined(separator: ", "))")
            } else if Set(list).count != list.count {
                r.fail(s.child("targets"), line, "lists a module twice: \(list.joined(separator: ", "))")
            } else {
                targets = list
            }
        }
        r.int(&s, "rank", into: &rank, .range(1...1_024))
        r.double(&s, "alpha", into: &alpha, .greater(than: 0))
        r.double(&s, "dropout", into: &dropout, .range(0, 1))
        var seedValue = Int(truncatingIfNeeded: seed)
        r.int(&s, "seed", into: &seedValue, .atLeast(0))
        seed = UInt64(seedValue)
        r.choice(&s, "precision", into: &precision)
        r.finish(s)
    }
}

extension PipelineConfig.TrainingSettings {
    mutating func decode(_ s: inout ConfigReader.Section, _ r: ConfigReader) {
        r.double(&s, "lr", into: &lr, .positiveFloat)
        r.double(&s, "head_lr", into: &headLR, .positiveFloat)
        r.double(&s, "weight_decay", into: &weightDecay, .atLeast(0))
        if let node = r.take(&s, "betas") {
            let path = s.child("betas")
            let values = (node.sequence.map { Array($0) } ?? []).compactMap { $0.float ?? $0.int.map(Double.init) }
            if case .sequence(let seq) = node, seq.count == 2, values.count == 2 {
                if values.allSatisfy({ $0 >= 0 && $0 < 1 }) {
                    beta1 = values[0]
                    beta2 = values[1]
                } else {
                    r.fail(path, r.line(of: node), "each beta must be in [0, 1), got [\(values.map(formatSetting).joined(separator: ", "))]")
                }
            } else {
                r.fail(path, r.line(of: node), "expected a list of two numbers [beta1, beta2], got \(r.describe(node))")
            }
        }
        r.double(&s, "eps", into: &eps, .greater(than: 0))
        r.int(&s, "warmup_steps", into: &warmupSteps, .atLeast(0))
        r.choice(&s, "schedule", into: &schedule)
        r.int(&s, "decay_steps", into: &decaySteps, .atLeast(0))
        r.double(&s, "min_lr_ratio", into: &minLRRatio, .range(0, 1, closedUpper: true))
        r.double(&s, "clip_norm", into: &clipNorm, .atLeast(0))
        r.double(&s, "max_weight", into: &maxWeight, .positiveFloat)
        r.int(&s, "batch_size", into: &batchSize, .range(1...4_096))
        r.int(&s, "max_wait_ms", into: &maxWaitMilliseconds, .range(0...3_600_000))
        if var sub = r.subsection(&s, "replay") {
            r.int(&sub, "capacity", into: &replay.capacity, .atLeast(0))
            r.double(&sub, "share", into: &replay.share, .range(0, 1))
            r.finish(sub)
        }
        r.finish(s)
    }
}

extension PipelineConfig.RollbackSettings {
    mutating func decode(_ s: inout ConfigReader.Section, _ r: ConfigReader) {
        r.bool(&s, "enabled", into: &enabled)
        r.double(&s, "metric_drop", into: &metricDrop, .greater(than: 0))
        r.int(&s, "window", into: &window, .atLeast(1))
        r.int(&s, "min_examples", into: &minExamples, .atLeast(1))
        r.int(&s, "watch_examples", into: &watchExamples, .atLeast(0))
        r.double(&s, "loss_spike_k", into: &lossSpikeK, .greater(than: 1))
        r.double(&s, "loss_spike_floor", into: &lossSpikeFloor, .atLeast(0))
        r.int(&s, "loss_spike_steps", into: &lossSpikeSteps, .atLeast(1))
        r.int(&s, "loss_history", into: &lossHistory, .atLeast(1))
        r.double(&s, "paired_alpha", into: &pairedAlpha, .range(0, 1, openLower: true))
        r.int(&s, "loss_warmup_steps", into: &lossWarmupSteps, .atLeast(0))
        r.double(&s, "noise_z", into: &noiseZ, .atLeast(0))
        r.finish(s)
    }
}

extension PipelineConfig.DriftSettings {
    mutating func decode(_ s: inout ConfigReader.Section, _ r: ConfigReader) {
        r.bool(&s, "enabled", into: &enabled)
        r.int(&s, "reference_window", into: &referenceWindow, .atLeast(1))
        r.int(&s, "current_window", into: &currentWindow, .atLeast(1))
        r.int(&s, "psi_bins", into: &psiBins, .range(2...1_000))
        r.double(&s, "psi_threshold", into: &psiThreshold, .greater(than: 0))
        r.double(&s, "js_threshold", into: &jsThreshold, .range(0, 1, openLower: true, closedUpper: true))
        r.double(&s, "p_alert", into: &pAlert, .range(0, 1, openLower: true))
        r.double(&s, "p_warn", into: &pWarn, .range(0, 1, openLower: true))
        if pAlert > pWarn { r.fail(s.child("p_alert"), nil, "must be ≤ drift.p_warn (\(pWarn)), got \(pAlert)") }
        r.double(&s, "minimum_expected", into: &minimumExpected, .greater(than: 0))
        r.int(&s, "embedding_projections", into: &embeddingProjections, .range(0...384))
        r.int(&s, "concept_warmup", into: &conceptWarmup, .atLeast(0))
        r.bool(&s, "concept_one_sided", into: &conceptOneSided)
        r.bool(&s, "concept_standardize", into: &conceptStandardize)
        r.bool(&s, "concept_reanchor", into: &conceptReanchor)
        if var a = r.subsection(&s, "adwin") {
            r.double(&a, "delta", into: &adwin.delta, .range(0, 1, openLower: true))
            r.int(&a, "clock", into: &adwin.clock, .atLeast(1))
            r.int(&a, "max_buckets", into: &adwin.maxBuckets, .atLeast(2))
            r.int(&a, "min_window_length", into: &adwin.minWindowLength, .atLeast(1))
            r.int(&a, "grace_period", into: &adwin.gracePeriod, .atLeast(0))
            r.finish(a)
        }
        if var ph = r.subsection(&s, "page_hinkley") {
            r.int(&ph, "min_instances", into: &pageHinkley.minInstances, .atLeast(1))
            r.double(&ph, "delta", into: &pageHinkley.delta, .atLeast(0))
            r.double(&ph, "threshold", into: &pageHinkley.threshold, .greater(than: 0))
            r.double(&ph, "alpha", into: &pageHinkley.alpha, .range(0, 1, openLower: true, closedUpper: true))
            r.choice(&ph, "mode", into: &pageHinkley.mode)
            r.finish(ph)
        }
        if var ad = r.subsection(&s, "adaptation") {
            r.bool(&ad, "enabled", into: &adaptation.enabled)
            r.double(&ad, "replay_keep", into: &adaptation.replayKeep, .range(0, 1, closedUpper: true))
            r.double(&ad, "head_lr_boost", into: &adaptation.headLRBoost, .atLeast(1))
            r.double(&ad, "head_lr_floor", into: &adaptation.headLRFloor, .atLeast(0))
            r.int(&ad, "boost_steps", into: &adaptation.boostSteps, .atLeast(0))
            r.int(&ad, "post_change_replay", into: &adaptation.postChangeReplay, .range(0...1_024))
            r.int(&ad, "head_refit_passes", into: &adaptation.headRefitPasses, .range(0...1_000))
            r.double(&ad, "head_refit_lr", into: &adaptation.headRefitLR, .range(0, 1, openLower: true, closedUpper: true))
            r.bool(&ad, "reset_optimizer", into: &adaptation.resetOptimizer)
            r.int(&ad, "min_holdout_after", into: &adaptation.minHoldoutAfter, .atLeast(1))
            r.double(&ad, "incident_alpha", into: &adaptation.incidentAlpha, .range(0, 1, openLower: true))
            r.int(&ad, "incident_examples", into: &adaptation.incidentExamples, .range(1...100_000))
            r.int(&ad, "cooldown_examples", into: &adaptation.cooldownExamples, .atLeast(0))
            r.bool(&ad, "new_label_boost", into: &adaptation.newLabelBoost)
            r.finish(ad)
        }
        r.finish(s)
    }
}

extension Check where Value == String {
    /// Letters, digits, `.`, `_`, `-`; not empty, at most 128 characters, not only dots
    /// (names become directory names: `..` would escape the registry).
    static func identifier(_ allowed: String) -> Check {
        Check { value in
            let valid = !value.isEmpty && value.count <= 128 && value.contains(where: { $0 != "." })
                && value.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || "._-".unicodeScalars.contains($0)
            }
            return valid ? nil : "must be 1–128 characters of \(allowed), got \"\(value)\""
        }
    }

    /// A legal Kafka topic name: 1–249 of `[A-Za-z0-9._-]`, not `.` or `..`.
    static var topicName: Check {
        Check { value in
            return Check.identifier("letters, digits, '.', '_' or '-'").problem(value)
                ?? (value.count > 249 ? "must be at most 249 characters, got \(value.count)" : nil)
        }
    }
}

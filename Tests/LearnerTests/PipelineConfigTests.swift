import Foundation
import Stream
import Tensor
import Testing
@testable import Learner

/// The repository root: the nearest ancestor of this file that holds Package.swift.
private func repoRoot(_ file: String = #filePath) throws -> URL {
    var url = URL(fileURLWithPath: file).deletingLastPathComponent()
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url.deleteLastPathComponent()
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no Package.swift above \(file)"])
}

private func parse(_ yaml: String, env: [String: String] = [:]) throws(PipelineConfigError) -> PipelineConfig {
    try PipelineConfig.parse(yaml: yaml, file: "pipelines/test.yaml", environment: env)
}

/// The error `yaml` produces (fails the test when it parses).
private func issues(_ yaml: String, env: [String: String] = [:]) -> PipelineConfigError? {
    do {
        _ = try parse(yaml, env: env)
        Issue.record("expected \(yaml) to be rejected")
        return nil
    } catch {
        return error
    }
}

@Suite struct PipelineConfigFileTests {
    @Test func templateDocumentsTheDefaults() throws {
        let url = try repoRoot().appendingPathComponent("pipelines/template.yaml")
        let config = try PipelineConfig.load(contentsOf: url, environment: [:])
        #expect(config.name == "template")
        #expect(config.kafka.dlqTopic == "examples.dlq")
        // Every value in the template equals the built-in default; its paths, relative to
        // pipelines/, name what the defaults name from the repository root.
        var expected = PipelineConfig(name: "template")
        expected.model.path = try repoRoot().appendingPathComponent(expected.model.path).path
        expected.registry.path = try repoRoot().appendingPathComponent(expected.registry.path).path
        #expect(config == expected)
    }

    @Test func templateMentionsEveryKey() throws {
        let url = try repoRoot().appendingPathComponent("pipelines/template.yaml")
        let coverage = try PipelineConfig.keyCoverage(yaml: String(contentsOf: url, encoding: .utf8))
        let missing = coverage.known.subtracting(coverage.present).sorted()
        // dlq_topic is documented commented out, so that a copied template follows its topic.
        #expect(missing == ["kafka.dlq_topic"], "keys missing from template.yaml: \(missing)")
        #expect(try String(contentsOf: url, encoding: .utf8).contains("  # dlq_topic: examples.dlq\n"))
        #expect(coverage.known.count >= 60)
    }

    @Test func demoLoads() throws {
        let url = try repoRoot().appendingPathComponent("pipelines/demo.yaml")
        let config = try PipelineConfig.load(contentsOf: url, environment: [:])
        #expect(config.name == "demo")
        #expect(config.kafka.brokers == ["127.0.0.1:9092"])
        #expect(config.kafka.topic == "examples")
        #expect(config.kafka.group == "streamlora")
        #expect(config.kafka.dlqTopic == "examples.dlq")
        #expect(config.model.path == (try repoRoot().appendingPathComponent("models/all-MiniLM-L6-v2").path))
        #expect(config.model.maxLength == 64)
        #expect(config.model.targets == ["query", "value"])
        #expect(config.training.lr == 0.002)
        #expect(config.training.headLR == 0.06)
        #expect(config.training.batchSize == 8)
        #expect(config.training.maxWait == .milliseconds(100))
        #expect(config.training.replay.capacity == 500)
        #expect(config.training.replayMix.freshCapacity == 6)
        #expect(config.holdout.buffer == 300)
        #expect(config.snapshot.everyExamples == 200)
        #expect(config.snapshot.everySeconds == 15)
        #expect(config.gate.minHoldout == 20)
        #expect(config.rollback.metricDrop == 0.1)
        #expect(config.registry.path == (try repoRoot().appendingPathComponent("registry/demo").path))
        // Not given: defaults.
        #expect(config.training.weightDecay == 0.01)
        #expect(config.rollback.lossSpikeK == 3)
        #expect(config.drift.pageHinkley.threshold == 50)
        #expect(config.routing.defaultAdapter == "default")
    }

    @Test func missingFileNamesIt() {
        let url = URL(fileURLWithPath: "/nonexistent/pipelines/nope.yaml")
        #expect {
            _ = try PipelineConfig.load(contentsOf: url, environment: [:])
        } throws: { error in
            (error as? PipelineConfigError)?.description.contains("/nonexistent/pipelines/nope.yaml") == true
        }
    }
}

@Suite struct PipelineConfigValidationTests {
    @Test func emptyDocumentGivesDefaults() throws {
        #expect(try parse("") == PipelineConfig(name: "default"))
        #expect(try parse("kafka:\n") == PipelineConfig(name: "default"))
    }

    @Test("the learning rates and max_weight must be finite, > 0 and a finite Float; the error names the key",
          arguments: ["lr", "head_lr", "max_weight"])
    func floatSettingsAreBounded(key: String) throws {
        for (value, message) in [("1e39", "must be at most 3.4028235e+38 (the largest Float; the model computes in Float), got 1e+39"),
                                 (".nan", "must be a finite number, got .nan"), (".inf", "must be a finite number, got .inf"),
                                 ("0", "must be > 0, got 0")] {
            let error = try #require(issues("training:\n  \(key): \(value)\n"), "\(key): \(value) was accepted")
            #expect(error.issues == [.init(path: "training.\(key)", line: 2, message: message)])
        }
        let largest = try parse("training:\n  \(key): 3.4028234663852886e38\n")
        #expect([largest.training.lr, largest.training.headLR, largest.training.maxWeight].contains(Double(Float.greatestFiniteMagnitude)))
    }

    @Test func badValueNamesFileLineKeyAndReason() throws {
        let error = try #require(issues("training:\n  lr: -1\n"))
        #expect(error.issues == [.init(path: "training.lr", line: 2, message: "must be > 0, got -1")])
        #expect(error.lines == ["pipelines/test.yaml:2: training.lr: must be > 0, got -1"])
        #expect(error.description.hasPrefix("invalid pipeline pipelines/test.yaml (1 error):"))
    }

    @Test func unknownKeysAreReportedWithSuggestions() throws {
        let error = try #require(issues("""
            training:
              lrr: 0.1
            holdot:
              share: 0.1
            """))
        #expect(error.issues.count == 2)
        let first = try #require(error.issues.first)
        #expect(first.path == "training.lrr")
        #expect(first.line == 2)
        #expect(first.message.hasPrefix("unknown key (did you mean `lr`?)"))
        #expect(error.issues[1].path == "holdot")
        #expect(error.issues[1].message.hasPrefix("unknown key (did you mean `holdout`?)"))
    }

    @Test func collectsEveryErrorAtOnce() throws {
        let error = try #require(issues("""
            name: "my pipeline"
            kafka:
              brokers: [localhost]
              max_message_bytes: 12
            model:
              pooling: max
              targets: [query, attention]
              dropout: 1.0
            training:
              batch_size: sixteen
              betas: [0.9, 1.2]
              replay: {share: 1}
            gate:
              metric: f1
            rollback:
              loss_spike_k: 1
              enabled: maybe
            server:
              port: 70000
              token_env: "my token"
            """))
        let byPath = Dictionary(error.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["name"] == "must be 1–128 characters of letters, digits, '.', '_' or '-', got \"my pipeline\"")
        #expect(byPath["kafka.brokers"] == "\"localhost\" must be host:port")
        #expect(byPath["kafka.max_message_bytes"] == "must be in 1000...1000000000, got 12")
        #expect(byPath["model.pooling"] == "must be one of cls, mean, got max")
        #expect(byPath["model.targets"]?.hasPrefix("unknown module attention; known: query, key, value") == true)
        #expect(byPath["model.dropout"] == "must be in [0, 1), got 1")
        #expect(byPath["training.batch_size"] == "expected an integer, got sixteen")
        #expect(byPath["training.betas"] == "each beta must be in [0, 1), got [0.9, 1.2]")
        #expect(byPath["training.replay.share"] == "must be in [0, 1), got 1")
        #expect(byPath["gate.metric"] == "must be one of accuracy, log_loss, got f1")
        #expect(byPath["rollback.loss_spike_k"] == "must be > 1, got 1")
        #expect(byPath["rollback.enabled"] == "expected true or false, got maybe")
        #expect(byPath["server.port"] == "must be in 0...65535, got 70000")
        #expect(byPath["server.token_env"] == "must be an environment variable name, got \"my token\"")
        #expect(error.issues.count == 14)
        // Issues come with lines, in document order.
        #expect(error.issues.compactMap(\.line) == error.issues.compactMap(\.line).sorted())
    }

    @Test func wrongShapesAreReported() throws {
        let error = try #require(issues("""
            kafka: [a, b]
            training:
              lr: [1]
              betas: 0.9
            model:
              targets: {query: 1}
            """))
        let paths = error.issues.map(\.path)
        #expect(paths == ["kafka", "training.lr", "training.betas", "model.targets"])
        #expect(error.issues[0].message == "expected a mapping of keys, got a list")
        #expect(error.issues[1].message == "expected a number, got a list")
    }

    @Test func nonFiniteNumbersAreRejected() throws {
        let error = try #require(issues("training:\n  lr: .nan\n  eps: .inf\n"))
        #expect(error.issues.map(\.message) == ["must be a finite number, got .nan", "must be a finite number, got .inf"])
    }

    @Test func crossFieldChecks() throws {
        let error = try #require(issues("""
            kafka: {topic: t, dlq_topic: t}
            training: {schedule: cosine, warmup_steps: 100, decay_steps: 50}
            holdout: {buffer: 10}
            gate: {min_holdout: 20}
            snapshot: {every_examples: 0, every_seconds: 0}
            drift: {reference_window: 100, current_window: 200}
            """))
        #expect(error.issues.map(\.path) == [
            "kafka.dlq_topic", "training.decay_steps", "gate.min_holdout", "snapshot", "drift.current_window",
        ])
        #expect(error.issues[1].message == "must be > training.warmup_steps (100) for schedule cosine, got 50")
    }

    @Test func yamlSyntaxErrorHasALine() throws {
        let error = try #require(issues("training:\n  lr: 0.1\n   batch_size: [8\n"))
        #expect(error.issues.count == 1)
        #expect(error.issues[0].line != nil)
        #expect(error.issues[0].message.hasPrefix("not valid YAML"))
    }

    @Test func duplicateKeysAreRejected() throws {
        let error = try #require(issues("training:\n  lr: 0.1\n  lr: 0.2\n"))
        #expect(error.issues[0].message.contains("duplicate key lr"))
    }

    @Test func valuesOverrideDefaults() throws {
        let config = try parse("""
            name: news-topics
            kafka:
              brokers: "b1:9092, b2:9093"
              max_message_bytes: 2_000_000
            model: {pooling: mean, targets: [query, key, value], rank: 16, alpha: 32, seed: 7}
            training: {lr: 1e-4, betas: [0.8, 0.99], schedule: linear, decay_steps: 500, min_lr_ratio: 0.1}
            gate: {metric: log_loss, tolerance: 0.01}
            rollback: {enabled: false}
            server: {port: 0}
            """)
        #expect(config.name == "news-topics")
        #expect(config.kafka.brokers == ["b1:9092", "b2:9093"])
        #expect(config.kafka.maxMessageBytes == 2_000_000)
        #expect(config.model.pooling == .mean)
        #expect(config.model.targets == ["query", "key", "value"])
        #expect(config.model.seed == 7)
        #expect(config.training.lr == 1e-4)
        #expect(config.training.beta1 == 0.8 && config.training.beta2 == 0.99)
        #expect(config.training.learningRateSchedule == LearningRateSchedule(
            kind: .linear, warmupSteps: 10, decaySteps: 500, minRatio: 0.1))
        #expect(config.gate.gate == PromotionGate(metric: .logLoss, tolerance: 0.01, minHoldout: 50))
        #expect(config.rollback.monitorSettings(metric: config.gate.metric).metric == .logLoss)
        #expect(config.rollback.enabled == false)
        #expect(config.server.port == 0)
    }
}

@Suite struct PrecisionSettingConfigTests {
    @Test func precisionIsReadAndChecked() throws {
        #expect(try parse("model: {precision: bf16}").model.precision == .bf16)
        #expect(try parse("model: {precision: auto}").model.precision == .auto)
        #expect(try parse("name: x").model.precision == .fp32)
        let error = try #require(issues("model: {precision: fast}"))
        #expect(error.issues.map(\.message) == ["must be one of fp32, bf16, auto, got fast"])
    }
}

@Suite struct KafkaPropertiesTests {
    @Test func propertiesExpandEnvironmentVariables() throws {
        let config = try parse("""
            kafka:
              brokers: ["${BROKER_HOST}:9092"]
              properties:
                security.protocol: SASL_SSL
                sasl.username: streamlora
                sasl.password: ${SASL_PASSWORD}
                fetch.wait.max.ms: 50
                note: "cost $$5, not ${NOPE"
            """.replacingOccurrences(of: "${NOPE\"", with: "$NOPE\""),
            env: ["SASL_PASSWORD": "s3cret", "BROKER_HOST": "kafka.internal"])
        #expect(config.kafka.brokers == ["kafka.internal:9092"])
        #expect(config.kafka.properties["sasl.password"] == "s3cret")
        #expect(config.kafka.properties["fetch.wait.max.ms"] == "50")
        #expect(config.kafka.properties["note"] == "cost $5, not $NOPE")
        #expect(config.kafka.redactedProperties["sasl.password"] == "***")
        #expect(config.kafka.redactedProperties["sasl.username"] == "streamlora")
        let consumer = config.kafka.consumerProperties
        #expect(consumer["bootstrap.servers"] == "kafka.internal:9092")
        #expect(consumer["enable.auto.commit"] == "false")
        #expect(consumer["enable.auto.offset.store"] == "false")
        #expect(consumer["security.protocol"] == "SASL_SSL")
        #expect(consumer["group.id"] == "streamlora")
        #expect(config.kafka.producerProperties["sasl.password"] == "s3cret")
        #expect(config.kafka.producerProperties["security.protocol"] == "SASL_SSL")
        // A producer gets no consumer-only property (librdkafka would warn and ignore it).
        #expect(config.kafka.producerProperties["fetch.wait.max.ms"] == nil)
        let leaked = Set(KafkaConfig(consumer).forProducer().properties.keys).intersection(KafkaConfig.consumerOnlyProperties)
        #expect(leaked.isEmpty && consumer["group.id"] != nil)
    }

    @Test func unsetVariableIsNamed() throws {
        let error = try #require(issues("kafka:\n  properties:\n    sasl.password: ${SASL_PASSWORD}\n"))
        #expect(error.lines == [
            "pipelines/test.yaml:3: kafka.properties.sasl.password: environment variable SASL_PASSWORD is not set",
        ])
    }

    @Test func managedPropertiesAreRefused() throws {
        let error = try #require(issues("""
            kafka:
              properties:
                enable.auto.commit: true
                group.id: other
            """))
        #expect(error.issues.map(\.path) == ["kafka.properties.enable.auto.commit", "kafka.properties.group.id"])
        #expect(error.issues[0].message.hasPrefix("managed by StreamLoRA"))
        #expect(error.issues[1].message == "set it with kafka.group")
    }

    @Test func expansionEdgeCases() throws {
        #expect(try EnvironmentExpansion.expand("a${X}b${X}", environment: ["X": "1"]) == "a1b1")
        #expect(try EnvironmentExpansion.expand("$$ and $", environment: [:]) == "$ and $")
        #expect(throws: EnvironmentExpansion.Failure.malformed("no closing } after \"${X\"")) {
            try EnvironmentExpansion.expand("${X", environment: ["X": "1"])
        }
        #expect(throws: EnvironmentExpansion.Failure.malformed("\"1X\" is not a variable name")) {
            try EnvironmentExpansion.expand("${1X}", environment: [:])
        }
        #expect(throws: EnvironmentExpansion.Failure.unset("Y")) {
            try EnvironmentExpansion.expand("${Y}", environment: [:])
        }
    }

    @Test func brokerForms() {
        #expect(PipelineConfig.KafkaSettings.brokerProblem("[::1]:9092") == nil)
        #expect(PipelineConfig.KafkaSettings.brokerProblem("host:0") != nil)
        #expect(PipelineConfig.KafkaSettings.brokerProblem(":9092") != nil)
    }
}

@Suite struct PipelineConfigShapeTests {
    @Test func topLevelMustBeAMapping() throws {
        let error = try #require(issues("- a\n- b\n"))
        #expect(error.lines == ["pipelines/test.yaml:1: expected a mapping of keys, got a list"])
    }

    @Test func nullSectionsKeepDefaults() throws {
        let config = try parse("kafka: ~\ntraining:\n  lr: null\n")
        #expect(config == PipelineConfig(name: "default"))
    }

    @Test func propertyWithoutValueIsReported() throws {
        let error = try #require(issues("kafka:\n  properties:\n    sasl.password:\n    client.id: \"\"\n"))
        #expect(error.issues.map(\.path) == ["kafka.properties.sasl.password"])
        #expect(error.issues[0].message.hasPrefix("missing value"))
    }

    @Test func helpersBuildThePolicies() throws {
        let config = try parse("snapshot: {every_examples: 0, every_seconds: 2.5}\nholdout: {share: 0.5}")
        let t0 = ContinuousClock.now
        var policy = config.snapshot.policy(start: t0)
        #expect(policy.recordTrained(1, now: t0 + .milliseconds(2_499)) == nil)
        #expect(policy.poll(now: t0 + .milliseconds(2_500)) != nil)
        #expect(config.holdout.splitter.share == 0.5)
        #expect(config.training.replayMix == ReplayMix(batchSize: 16, share: 0.25))
        let noReplay = try parse("training: {replay: {capacity: 0}}")
        #expect(noReplay.training.replayMix.freshCapacity == 16)
    }
}

@Suite struct PipelineConfigSafetyTests {
    @Test func dotOnlyNamesAreRefused() throws {
        let error = try #require(issues("name: ..\nrouting: {default_adapter: .}\nkafka: {topic: ..}\n"))
        #expect(error.issues.map(\.path) == ["name", "routing.default_adapter", "kafka.topic"])
    }

    @Test func printingRedactsSecrets() throws {
        let config = try parse("kafka: {properties: {sasl.password: hunter2, client.id: me}}")
        #expect(!"\(config)".contains("hunter2"))
        #expect(!String(reflecting: config).contains("hunter2"))
        #expect("\(config.kafka)".contains("client.id: me"))
    }
}

@Suite struct PipelineConfigPathTests {
    /// A relative path written in a pipeline file names a place next to the file, whatever the
    /// working directory; absolute paths and unset (default) paths are left as they are.
    @Test func writtenPathsAreRelativeToTheFile() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("streamlora-paths-\(UUID().uuidString.prefix(8))/pipelines", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let file = dir.appendingPathComponent("p.yaml")
        try "model: {path: ../models/base}\nregistry: {path: store}\n".write(to: file, atomically: true, encoding: .utf8)
        let config = try PipelineConfig.load(contentsOf: file, environment: [:])
        #expect(config.model.path == dir.deletingLastPathComponent().appendingPathComponent("models/base").path)
        #expect(config.registry.path == dir.appendingPathComponent("store").path)

        try "model: {path: /opt/base}\n".write(to: file, atomically: true, encoding: .utf8)
        let absolute = try PipelineConfig.load(contentsOf: file, environment: [:])
        #expect(absolute.model.path == "/opt/base")
        #expect(absolute.registry.path == PipelineConfig(name: "p").registry.path)
    }
}

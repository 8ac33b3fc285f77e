import Foundation
import Testing
@testable import Monitor

@Suite("DriftReport as JSON and as Prometheus text")
struct DriftReportPrometheusTests {
    /// A report as `/v1/drift` would serve it (hand-written, so the expected text is independent
    /// of the monitor's arithmetic).
    static let json = """
        {"adapter":"sent\\"iment","examples_seen":2400,
         "reference":{"state":"frozen","examples":400,"target":400,"frozen_at_index":399},
         "current_examples":300,"current_capacity":300,
         "label":{"js_divergence":0.125,"psi":2.5,"reference_counts":{"neg":120,"pos":280},
                  "current_counts":{"pos":100,"spam":200},"new_labels":["spam"],"missing_labels":["neg"],
                  "severity":"alert"},
         "input":{"features":[{"feature":"token_length","psi":0.05,"reference_count":400,"current_count":300,
                               "severity":"ok"},
                              {"feature":"projection_0","psi":0.2,"reference_count":400,"current_count":300,
                               "severity":"warn"}],
                  "max_psi":0.2,"severity":"warn"},
         "concept":{"detectors":[
             {"name":"adwin","signal":"error","drift_detected":false,"detections":2,"last_detection_index":1599,
              "estimation":0.375,"width":768,"severity":"warn"},
             {"name":"page_hinkley","signal":"loss","drift_detected":true,"detections":1,"last_detection_index":2399,
              "estimation":1.5,"width":12,"severity":"alert"}],
           "detections":3,"last_detection_index":2399,"severity":"alert"},
         "severity":"alert","thresholds":{"psi_warn":0.1},"skipped_embeddings":0,"skipped_losses":0}
        """

    @Test("exact exposition text")
    func prometheus() throws {
        let report = try JSONDecoder().decode(DriftReport.self, from: Data(Self.json.utf8))
        #expect(report.thresholds.psiAlert == 0.25, "missing threshold keys keep their defaults")
        var text = PrometheusText()
        try report.appendMetrics(to: &text)
        let a = #"adapter="sent\"iment""#
        #expect(text.render() == """
            # HELP streamlora_drift_examples_total Examples observed by the drift monitor.
            # TYPE streamlora_drift_examples_total counter
            streamlora_drift_examples_total{\(a)} 2400
            # HELP streamlora_drift_reference_examples Examples in the drift reference window.
            # TYPE streamlora_drift_reference_examples gauge
            streamlora_drift_reference_examples{\(a)} 400
            # HELP streamlora_drift_current_examples Examples in the sliding current window.
            # TYPE streamlora_drift_current_examples gauge
            streamlora_drift_current_examples{\(a)} 300
            # HELP streamlora_drift_label_js_divergence Jensen-Shannon divergence (base 2) of the label distribution, reference vs current.
            # TYPE streamlora_drift_label_js_divergence gauge
            streamlora_drift_label_js_divergence{\(a)} 0.125
            # HELP streamlora_drift_label_psi Population stability index of the label distribution, reference vs current.
            # TYPE streamlora_drift_label_psi gauge
            streamlora_drift_label_psi{\(a)} 2.5
            # HELP streamlora_drift_input_psi Population stability index of an input feature, reference vs current.
            # TYPE streamlora_drift_input_psi gauge
            streamlora_drift_input_psi{\(a),feature="token_length"} 0.05
            streamlora_drift_input_psi{\(a),feature="projection_0"} 0.2
            # HELP streamlora_drift_detections_total Concept drift detections.
            # TYPE streamlora_drift_detections_total counter
            streamlora_drift_detections_total{\(a),detector="adwin",signal="error"} 2
            streamlora_drift_detections_total{\(a),detector="page_hinkley",signal="loss"} 1
            # HELP streamlora_drift_detector_estimation Detector mean estimate of the monitored signal.
            # TYPE streamlora_drift_detector_estimation gauge
            streamlora_drift_detector_estimation{\(a),detector="adwin",signal="error"} 0.375
            streamlora_drift_detector_estimation{\(a),detector="page_hinkley",signal="loss"} 1.5
            # HELP streamlora_drift_detector_width Values in the detector window (ADWIN) or since its reset (Page-Hinkley).
            # TYPE streamlora_drift_detector_width gauge
            streamlora_drift_detector_width{\(a),detector="adwin",signal="error"} 768
            streamlora_drift_detector_width{\(a),detector="page_hinkley",signal="loss"} 12
            # HELP streamlora_drift_last_detection_index Stream index of the detector's last detection.
            # TYPE streamlora_drift_last_detection_index gauge
            streamlora_drift_last_detection_index{\(a),detector="adwin",signal="error"} 1599
            streamlora_drift_last_detection_index{\(a),detector="page_hinkley",signal="loss"} 2399
            # HELP streamlora_drift_severity Drift severity: 0 ok, 1 warn, 2 alert.
            # TYPE streamlora_drift_severity gauge
            streamlora_drift_severity{\(a),scope="label"} 2
            streamlora_drift_severity{\(a),scope="input"} 1
            streamlora_drift_severity{\(a),scope="concept"} 2
            streamlora_drift_severity{\(a),scope="overall"} 2

            """)
    }

    @Test("a warming-up adapter exports no statistics it does not have; two adapters share families")
    func warmingUp() throws {
        var c = DriftMonitorConfiguration()
        c.referenceSize = 10
        let cold = try DriftMonitor(adapter: "cold", configuration: c)
        var other = try DriftMonitor(adapter: "other", configuration: c)
        other.observe(.init(label: "a", error: true, loss: 1, tokenLength: 3, oovRate: 0))
        var text = PrometheusText()
        try cold.report().appendMetrics(to: &text)
        try other.report().appendMetrics(to: &text)
        let out = text.render()
        #expect(!out.contains("label_js"))
        #expect(!out.contains("input_psi"))
        #expect(!out.contains("last_detection_index"))
        #expect(out.contains("""
            streamlora_drift_examples_total{adapter="cold"} 0
            streamlora_drift_examples_total{adapter="other"} 1

            """))
        #expect(out.components(separatedBy: "# TYPE streamlora_drift_severity gauge").count == 2)
    }

    @Test("the monitor's report encodes with snake_case keys and round-trips")
    func jsonRoundTrip() throws {
        let s = try ScenarioFixture.shared.get()
        var monitor = try DriftMonitor(adapter: "a", configuration: s.configuration)
        s.feed(&monitor, 0..<s.examples.count)
        let report = monitor.report()
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(DriftReport.self, from: data) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object.keys.sorted() == [
            "adapter", "concept", "current_capacity", "current_examples", "examples_seen", "input", "label",
            "reference", "severity", "skipped_embeddings", "skipped_losses", "thresholds",
        ])
        let label = try #require(object["label"] as? [String: Any])
        #expect(label["js_divergence"] is Double)
        #expect(object["severity"] as? String == "alert")
    }
}

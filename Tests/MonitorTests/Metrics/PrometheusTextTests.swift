import Testing
@testable import Monitor

@Suite("Prometheus text exposition")
struct PrometheusTextTests {
    @Test("families are contiguous, labels sorted, HELP/TYPE once per family")
    func exactText() throws {
        var text = PrometheusText()
        try text.counter("streamlora_examples_total", help: "Examples consumed.", labels: ["adapter": "a", "partition": "0"], value: 12)
        try text.gauge("streamlora_live_version", help: "Live adapter version.", labels: ["adapter": "a"], value: 42)
        try text.counter("streamlora_examples_total", help: "Examples consumed.", labels: ["partition": "1", "adapter": "b"], value: 3)
        try text.gauge("up", help: "Agent is up.", value: 1)
        #expect(text.render() == """
            # HELP streamlora_examples_total Examples consumed.
            # TYPE streamlora_examples_total counter
            streamlora_examples_total{adapter="a",partition="0"} 12
            streamlora_examples_total{adapter="b",partition="1"} 3
            # HELP streamlora_live_version Live adapter version.
            # TYPE streamlora_live_version gauge
            streamlora_live_version{adapter="a"} 42
            # HELP up Agent is up.
            # TYPE up gauge
            up 1

            """)
    }

    @Test("label values escape backslash, quote and newline; HELP escapes backslash and newline")
    func escaping() throws {
        var text = PrometheusText()
        try text.gauge("m", help: "a \"quoted\" \\ help\nsecond line",
                       labels: ["path": "C:\\dir\\\"x\"\nnext"], value: 0.5)
        #expect(text.render() == """
            # HELP m a "quoted" \\\\ help\\nsecond line
            # TYPE m gauge
            m{path="C:\\\\dir\\\\\\"x\\"\\nnext"} 0.5

            """)
    }

    @Test("value formatting follows the Go client", arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-3.0, "-3"), (0.1, "0.1"), (1e-05, "1e-05"), (2.5e20, "2.5e+20"),
        (123456789.0, "123456789"), (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
    ])
    func values(value: Double, expected: String) {
        #expect(PrometheusText.formatValue(value) == expected)
    }

    @Test("invalid names and conflicting definitions are refused with the name")
    func errors() throws {
        var text = PrometheusText()
        #expect(throws: PrometheusText.Error.invalidMetricName("1bad")) {
            try text.gauge("1bad", help: "h", value: 1)
        }
        #expect(throws: PrometheusText.Error.invalidMetricName("has-dash")) {
            try text.gauge("has-dash", help: "h", value: 1)
        }
        #expect(throws: PrometheusText.Error.invalidLabelName(metric: "ok", label: "__reserved")) {
            try text.gauge("ok", help: "h", labels: ["__reserved": "x"], value: 1)
        }
        #expect(throws: PrometheusText.Error.invalidLabelName(metric: "ok", label: "a:b")) {
            try text.gauge("ok", help: "h", labels: ["a:b": "x"], value: 1)
        }
        try text.gauge("ns:ok_metric", help: "h", value: 1)
        #expect(throws: PrometheusText.Error.conflictingDefinition(metric: "ns:ok_metric")) {
            try text.counter("ns:ok_metric", help: "h", value: 1)
        }
        #expect(throws: PrometheusText.Error.conflictingDefinition(metric: "ns:ok_metric")) {
            try text.gauge("ns:ok_metric", help: "other help", value: 1)
        }
        #expect(text.render() == "# HELP ns:ok_metric h\n# TYPE ns:ok_metric gauge\nns:ok_metric 1\n")
        #expect(PrometheusText().render() == "")
        #expect("\(PrometheusText.Error.invalidMetricName("x-y"))".contains("x-y"))
    }
}

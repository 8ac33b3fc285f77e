import Testing

@testable import Monitor

/// Histograms in the exposition format: cumulative `le` buckets ending with `+Inf`, `_sum`,
/// `_count`, as Prometheus' client libraries write them.
@Suite struct HistogramTests {
    @Test func bucketsAreCumulativeWithInfinity() throws {
        var h = Histogram(bounds: [0.25, 1])
        for v in [0.125, 0.25, 0.5, 2, .nan] { h.observe(v) }
        #expect(h.count == 4 && h.sum == 2.875)
        #expect(h.cumulativeBuckets.map(\.count) == [2, 3, 4])
        var text = PrometheusText()
        try text.histogram("x_seconds", help: "X.", labels: ["route": "/a"], h)
        #expect(text.render() == """
        # HELP x_seconds X.
        # TYPE x_seconds histogram
        x_seconds_bucket{le="0.25",route="/a"} 2
        x_seconds_bucket{le="1",route="/a"} 3
        x_seconds_bucket{le="+Inf",route="/a"} 4
        x_seconds_sum{route="/a"} 2.875
        x_seconds_count{route="/a"} 4

        """)
    }

    @Test func labelLeIsRefused() {
        var text = PrometheusText()
        #expect(throws: PrometheusText.Error.invalidLabelName(metric: "x_seconds", label: "le")) {
            try text.histogram("x_seconds", help: "X.", labels: ["le": "1"], Histogram(bounds: [1]))
        }
    }
}

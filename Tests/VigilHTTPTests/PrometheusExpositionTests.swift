import Testing
import VigilHTTP

@Suite("Prometheus exposition")
struct PrometheusExpositionTests {
    /// A small set: counters with labels (one family interleaved with another), a gauge with and one without labels,
    /// a latency histogram without labels and a score histogram with labels built from per-bin counts.
    static let samples: [MetricSample] = [
        MetricSample(VigilMetrics.eventsIn, labels: [("topic", "transactions"), ("partition", "0")], value: .counter(42)),
        MetricSample(VigilMetrics.consumerLag, labels: [("topic", "transactions"), ("partition", "0")], value: .gauge(3)),
        MetricSample(VigilMetrics.eventsIn, labels: [("topic", "transactions"), ("partition", "1")], value: .counter(7)),
        MetricSample(VigilMetrics.ready, value: .gauge(1)),
        MetricSample(
            VigilMetrics.processingLatency,
            value: .histogram(HistogramSnapshot(
                buckets: [
                    .init(upperBound: 0.001, cumulativeCount: 1), .init(upperBound: 0.01, cumulativeCount: 3),
                    .init(upperBound: 0.1, cumulativeCount: 4),
                ],
                count: 5, sum: 0.5625))),
        MetricSample(
            VigilMetrics.score, labels: [("model", "fraud-demo"), ("version", "2"), ("role", "shadow")],
            value: .histogram(HistogramSnapshot(upperBounds: [0.5, 1], binCounts: [3, 1], sum: 1.75))),
        MetricSample(VigilMetrics.deadLetter, value: .counter(0)),
    ]

    @Test func rendersTheExactTextFormat() {
        let text = String(decoding: PrometheusExposition.render(Self.samples), as: UTF8.self)
        let expected = """
            # HELP vigil_events_in_total \(VigilMetrics.eventsIn.help)
            # TYPE vigil_events_in_total counter
            vigil_events_in_total{topic="transactions",partition="0"} 42
            vigil_events_in_total{topic="transactions",partition="1"} 7
            # HELP vigil_consumer_lag \(VigilMetrics.consumerLag.help)
            # TYPE vigil_consumer_lag gauge
            vigil_consumer_lag{topic="transactions",partition="0"} 3.0
            # HELP vigil_ready \(VigilMetrics.ready.help)
            # TYPE vigil_ready gauge
            vigil_ready 1.0
            # HELP vigil_processing_latency_seconds \(VigilMetrics.processingLatency.help)
            # TYPE vigil_processing_latency_seconds histogram
            vigil_processing_latency_seconds_bucket{le="0.001"} 1
            vigil_processing_latency_seconds_bucket{le="0.01"} 3
            vigil_processing_latency_seconds_bucket{le="0.1"} 4
            vigil_processing_latency_seconds_bucket{le="+Inf"} 5
            vigil_processing_latency_seconds_sum 0.5625
            vigil_processing_latency_seconds_count 5
            # HELP vigil_score \(VigilMetrics.score.help)
            # TYPE vigil_score histogram
            vigil_score_bucket{model="fraud-demo",version="2",role="shadow",le="0.5"} 3
            vigil_score_bucket{model="fraud-demo",version="2",role="shadow",le="1"} 4
            vigil_score_bucket{model="fraud-demo",version="2",role="shadow",le="+Inf"} 4
            vigil_score_sum{model="fraud-demo",version="2",role="shadow"} 1.75
            vigil_score_count{model="fraud-demo",version="2",role="shadow"} 4
            # HELP vigil_dead_letter_total \(VigilMetrics.deadLetter.help)
            # TYPE vigil_dead_letter_total counter
            vigil_dead_letter_total 0

            """
        #expect(text == expected)
    }

    @Test func escapesLabelValuesAndHelp() {
        let sample = MetricSample(
            name: "x_total", help: #"a \ b"# + "\nsecond line",
            labels: [("path", "C:\\dir \"q\"\nnext")], value: .counter(1))
        let text = String(decoding: PrometheusExposition.render([sample]), as: UTF8.self)
        #expect(text == #"""
            # HELP x_total a \\ b\nsecond line
            # TYPE x_total counter
            x_total{path="C:\\dir \"q\"\nnext"} 1

            """#)
    }

    @Test func writesNonFiniteGaugesAsTheFormatSpellsThem() {
        let samples = [
            MetricSample(name: "g", help: "", labels: [("k", "nan")], value: .gauge(.nan)),
            MetricSample(name: "g", help: "", labels: [("k", "inf")], value: .gauge(.infinity)),
            MetricSample(name: "g", help: "", labels: [("k", "-inf")], value: .gauge(-.infinity)),
            MetricSample(name: "g", help: "", labels: [("k", "small")], value: .gauge(0.000_01)),
        ]
        let text = String(decoding: PrometheusExposition.render(samples), as: UTF8.self)
        #expect(text == """
            # TYPE g gauge
            g{k="nan"} NaN
            g{k="inf"} +Inf
            g{k="-inf"} -Inf
            g{k="small"} 1e-05

            """)
    }

    @Test func neverTrapsOnBadSamples() {
        let samples = [
            // A negative and a NaN counter are left out; a fractional counter keeps its fraction.
            MetricSample(name: "c_total", help: "h", value: .counter(-1)),
            MetricSample(name: "c_total", help: "h", value: .counter(.nan)),
            MetricSample(name: "c_total", help: "h", labels: [("a", "1")], value: .counter(2.5)),
            // Same name, other kind: left out (the family's kind is its first sample's).
            MetricSample(name: "c_total", help: "h", value: .gauge(9)),
            // Invalid names are rewritten, duplicate label names keep the first value.
            MetricSample(name: "bad-name.x", help: "", labels: [("a-b", "1"), ("a_b", "2"), ("9x", "3")], value: .gauge(1)),
            // `le` is reserved in a histogram; an infinite bound is the implicit +Inf; buckets are sorted.
            MetricSample(
                name: "h", help: "", labels: [("le", "oops")],
                value: .histogram(HistogramSnapshot(
                    buckets: [.init(upperBound: 2, cumulativeCount: 2), .init(upperBound: .infinity, cumulativeCount: 9),
                              .init(upperBound: 1, cumulativeCount: 1)],
                    count: 3, sum: 4))),
            MetricSample(name: "", help: "", value: .gauge(1)),
        ]
        let text = String(decoding: PrometheusExposition.render(samples), as: UTF8.self)
        #expect(text == """
            # HELP c_total h
            # TYPE c_total counter
            c_total{a="1"} 2.5
            # TYPE bad_name_x gauge
            bad_name_x{a_b="1",_x="3"} 1.0
            # TYPE h histogram
            h_bucket{le="1"} 1
            h_bucket{le="2"} 2
            h_bucket{le="+Inf"} 3
            h_sum 4.0
            h_count 3

            """)
    }

    @Test func histogramFromBinsCountsTheOverflowOnlyInInf() {
        let snapshot = HistogramSnapshot(upperBounds: [1, 2, 3], binCounts: [1, 2], sum: 0)
        #expect(snapshot.buckets.map(\.cumulativeCount) == [1, 3, 3])
        #expect(snapshot.count == 3)
        let overflow = HistogramSnapshot(upperBounds: [1], binCounts: [1, 2, 3], sum: 0)
        #expect(overflow.buckets.map(\.cumulativeCount) == [1])
        #expect(overflow.count == 6)
    }

    @Test func rendersEmptyInputAsEmptyBody() {
        #expect(PrometheusExposition.render([]).isEmpty)
    }
}

import Testing
import VigilHTTP

@Suite("Metric catalogue")
struct VigilMetricsTests {
    @Test func namesAreValidUniqueAndFollowTheConventions() {
        var seen = Set<String>()
        for metric in VigilMetrics.all {
            #expect(metric.name.wholeMatch(of: /vigil_[a-z][a-z0-9_]*/) != nil, "\(metric.name)")
            #expect(seen.insert(metric.name).inserted, "\(metric.name) twice")
            #expect(!metric.help.isEmpty && !metric.help.contains("\n"), "\(metric.name) help")
            #expect((metric.kind == .counter) == metric.name.hasSuffix("_total"), "\(metric.name): counters end in _total")
            #expect((metric.kind == .histogram) == !metric.buckets.isEmpty, "\(metric.name): buckets iff histogram")
            #expect(metric.buckets == metric.buckets.sorted(), "\(metric.name) buckets ascending")
            #expect(!metric.labels.contains("le"), "\(metric.name) uses the reserved label le")
            #expect(VigilMetrics.metric(named: metric.name) == metric)
        }
        // No series name of one family is another family's name (e.g. a gauge called vigil_score_count).
        let series = VigilMetrics.all.flatMap(\.seriesNames)
        #expect(Set(series).count == series.count)
    }

    @Test(arguments: [
        ("vigil_events_in_total", MetricKind.counter, ["topic", "partition"]),
        ("vigil_events_out_total", .counter, ["topic"]),
        ("vigil_consumer_lag", .gauge, ["topic", "partition"]),
        ("vigil_processing_latency_seconds", .histogram, []),
        ("vigil_commit_duration_seconds", .histogram, []),
        ("vigil_dead_letter_total", .counter, []),
        ("vigil_late_events_total", .counter, []),
        ("vigil_state_bytes", .gauge, ["store"]),
        ("vigil_rocksdb_compactions_total", .counter, []),
        ("vigil_rocksdb_block_cache_hit_ratio", .gauge, []),
        ("vigil_model_info", .gauge, ["role", "model", "version"]),
        ("vigil_predictions_total", .counter, ["model", "version", "role"]),
        ("vigil_score", .histogram, ["model", "version", "role"]),
        ("vigil_alerts_total", .counter, ["severity"]),
        ("vigil_drift_psi", .gauge, ["model", "version", "feature"]),
        ("vigil_monitor_triggers_total", .counter, []),
        ("vigil_ready", .gauge, []),
    ])
    func containsTheMetricsTheIssueAsksFor(name: String, kind: MetricKind, labels: [String]) throws {
        let metric = try #require(VigilMetrics.metric(named: name))
        #expect(metric.kind == kind)
        #expect(metric.labels == labels)
    }

    @Test func findsAHistogramBySeriesName() {
        #expect(VigilMetrics.metric(exposingSeries: "vigil_score_bucket") == VigilMetrics.score)
        #expect(VigilMetrics.metric(exposingSeries: "vigil_commit_duration_seconds_sum") == VigilMetrics.commitDuration)
        #expect(VigilMetrics.metric(exposingSeries: "vigil_ready_bucket") == nil)
        #expect(VigilMetrics.metric(exposingSeries: "vigil_score") == nil)
    }
}

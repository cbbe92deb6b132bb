/// What the observability endpoint shows: the runtime implements it.
///
/// Thread-safety: every method may be called at any time from the server's worker threads, several at once (two
/// concurrent scrapes, a probe during a scrape). They run on dedicated threads, not on Swift's cooperative pool nor
/// on the server's event loop, so a method may block briefly (e.g. a RocksDB read for `features`), but a slow
/// `metrics()` delays only the requests that wait on a worker.
public protocol ObservabilitySource: Sendable {
    /// The metric samples now (counters and gauges with labels; histograms as cumulative buckets).
    func metrics() -> [MetricSample]
    /// Liveness: nil when healthy, else the reason (`/healthz` answers 503 with it).
    func unhealthyReason() -> String?
    /// Readiness: nil when ready (every assigned partition restored and caught up), else the reason (`/readyz`
    /// answers 503 with it).
    func notReadyReason() -> String?
    /// `/features/{stage}/{key}`: the key's latest feature values as a JSON object, or where to ask instead.
    /// `stage` and `key` arrive percent-decoded.
    func features(stage: String, key: String) -> FeatureAnswer
    /// `/model`: the champion and challenger, as a JSON object (UTF-8).
    func models() -> [UInt8]
}

import Synchronization
import VigilCore
public import VigilKafka

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// How many predictions one model version made in one role (`champion`, `canary`, `shadow`), and how their
/// scores were distributed: ten bins of width 0.1 over [0, 1] (scores outside go to the first or last bin).
public struct ScoreStatistics: Sendable, Equatable {
    /// The model's name and version.
    public var name: String
    public var version: String
    public var role: String
    public var count = 0
    public var sum = 0.0
    public var bins = [Int](repeating: 0, count: 10)

    public init(name: String, version: String, role: String) {
        self.name = name
        self.version = version
        self.role = role
    }

    /// `name@version`.
    public var model: String { "\(name)@\(version)" }

    public var mean: Double { count > 0 ? sum / Double(count) : .nan }

    mutating func add(_ score: Double) {
        count += 1
        sum += score
        let bin = score.isNaN ? 0 : min(9, max(0, Int(score * 10)))
        bins[bin] += 1
    }

    mutating func merge(_ other: ScoreStatistics) {
        count += other.count
        sum += other.sum
        for i in bins.indices { bins[i] += other.bins[i] }
    }
}

/// Counters shared by the stream threads and whoever reports on them. Thread-safe (atomics).
public final class RuntimeCounters: Sendable {
    let _eventsIn = Atomic<Int>(0)
    let _featuresOut = Atomic<Int>(0)
    let _deadLettered = Atomic<Int>(0)
    let _skipped = Atomic<Int>(0)
    let _late = Atomic<Int>(0)
    let _truncated = Atomic<Int>(0)
    let _commits = Atomic<Int>(0)
    let _forwarded = Atomic<Int>(0)
    let _windowsOut = Atomic<Int>(0)
    let _alertsOut = Atomic<Int>(0)
    let _predictions = Mutex<BatchCounts>(BatchCounts())
    let _fields = Mutex<(decoded: Int, missing: [Int])>((0, []))
    let _span = Mutex<(first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>((nil, nil))
    let _monitor = Mutex<MonitorCounts>(MonitorCounts())
    let _partitions = Mutex<[TopicPartition: PartitionStats]>([:])
    let _batchLatency = Mutex<LatencyHistogram>(LatencyHistogram())
    let _commitDuration = Mutex<LatencyHistogram>(LatencyHistogram())
    let _alertsBySeverity = Mutex<[String: Int]>([:])
    let _driftPSI = Mutex<[DriftGauge: Double]>([:])

    /// One input partition's progress in this process.
    public struct PartitionStats: Sendable, Equatable {
        /// Records processed and committed since the partition was assigned here.
        public var eventsIn = 0
        /// The log end minus the position, when known.
        public var lag: Int64?
        /// Whether the partition has processed every record its log held when it was first measured after being
        /// assigned here: its state is open and the backlog it took over is done (readiness).
        public var caughtUp = false
        /// The log end when first measured after the assignment: the backlog to process before being ready.
        public var backlogEnd: Int64?
    }

    /// A counting histogram of durations, over fixed bucket upper bounds in seconds.
    public struct LatencyHistogram: Sendable, Equatable {
        /// Upper bounds, seconds (the same as the `/metrics` catalogue's).
        public static let bounds: [Double] = [
            0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
        ]
        /// Per-bin counts; the last bin is above every bound.
        public var bins = [Int](repeating: 0, count: LatencyHistogram.bounds.count + 1)
        public var sum = 0.0
        public var count: Int { bins.reduce(0, +) }

        mutating func add(_ seconds: Double) {
            var i = 0
            while i < Self.bounds.count && seconds > Self.bounds[i] { i += 1 }
            bins[i] += 1
            sum += seconds
        }
    }

    /// The key of a drift gauge: a model version's feature (or `score`).
    public struct DriftGauge: Sendable, Hashable {
        public var model: String
        public var version: String
        public var feature: String
    }

    /// Per input partition held here, its progress.
    public var partitions: [TopicPartition: PartitionStats] { _partitions.withLock { $0 } }
    /// Time from a batch's first poll to its commit.
    public var batchLatency: LatencyHistogram { _batchLatency.withLock { $0 } }
    /// Time each commit took.
    public var commitDuration: LatencyHistogram { _commitDuration.withLock { $0 } }
    /// Alerts written per severity.
    public var alertsBySeverity: [String: Int] { _alertsBySeverity.withLock { $0 } }
    /// The PSI of the last closed drift window, per model version and feature.
    public var driftPSI: [DriftGauge: Double] { _driftPSI.withLock { $0 } }

    func partitionsAssigned(_ partitions: [TopicPartition]) {
        _partitions.withLock { for tp in partitions { $0[tp] = PartitionStats() } }
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        _partitions.withLock { for tp in partitions { $0[tp] = nil } }
    }

    func addEvents(_ n: Int, partition: TopicPartition) {
        _partitions.withLock { $0[partition]?.eventsIn += n }
    }

    func setProgress(position: Int64, high: Int64, partition: TopicPartition) {
        _partitions.withLock {
            guard $0[partition] != nil else { return }
            $0[partition]!.lag = max(0, high - position)
            let end = $0[partition]!.backlogEnd ?? high
            $0[partition]!.backlogEnd = end
            if position >= end { $0[partition]!.caughtUp = true }
        }
    }

    func recordBatch(latency: Duration, commit: Duration) {
        _batchLatency.withLock { $0.add(latency.seconds) }
        _commitDuration.withLock { $0.add(commit.seconds) }
    }

    func setDriftPSI(_ values: [DriftGauge: Double]) {
        guard !values.isEmpty else { return }
        _driftPSI.withLock { $0.merge(values) { $1 } }
    }

    public init() {}

    /// What the monitor did (docs/monitoring.md), as of its last commit in this process.
    public struct MonitorCounts: Sendable, Equatable {
        public var predictions = 0
        public var labels = 0
        public var labelsJoined = 0
        public var labelsBeyondHorizon = 0
        public var driftEvents = 0
        public var performanceEvents = 0
        public var triggers = 0
        /// Labels sent to the dead-letter topic (malformed).
        public var deadLettered = 0
    }

    /// The monitor's counts.
    public var monitor: MonitorCounts { _monitor.withLock { $0 } }

    func setMonitor(_ counts: Monitor.Counts) {
        _monitor.withLock {
            $0.predictions = counts.predictions
            $0.labels = counts.labels
            $0.labelsJoined = counts.labelsJoined
            $0.labelsBeyondHorizon = counts.labelsBeyondHorizon
            $0.driftEvents = counts.driftEvents
            $0.performanceEvents = counts.performanceEvents
            $0.triggers = counts.triggers
        }
    }

    func addMonitorDeadLetters(_ n: Int) {
        _monitor.withLock { $0.deadLettered += n }
        _deadLettered.add(n, ordering: .relaxed)
    }

    /// Input records processed and committed.
    public var eventsIn: Int { _eventsIn.load(ordering: .relaxed) }
    /// Feature events produced and committed.
    public var featuresOut: Int { _featuresOut.load(ordering: .relaxed) }
    /// Records sent to the dead-letter topic.
    public var deadLettered: Int { _deadLettered.load(ordering: .relaxed) }
    /// Events later than the grace period, sent to the late-events topic.
    public var late: Int { _late.load(ordering: .relaxed) }
    /// Events passed from one stage to the next through a repartition topic.
    public var forwarded: Int { _forwarded.load(ordering: .relaxed) }
    /// Window results (tumbling, hopping, session) emitted.
    public var windowsOut: Int { _windowsOut.load(ordering: .relaxed) }
    /// Alerts written.
    public var alertsOut: Int { _alertsOut.load(ordering: .relaxed) }
    /// Predictions per model version and role, with their score distributions.
    public var predictions: [ScoreStatistics] { _predictions.withLock { $0.predictions } }
    /// Source events decoded, and per schema field how many of them had it absent or null (the missing-value
    /// rate, an input to drift monitoring).
    public var fieldMissing: (decoded: Int, missing: [Int]) { _fields.withLock { $0 } }
    /// Input records the log no longer held when a task resumed (retention moved past the stored offset).
    public var truncated: Int { _truncated.load(ordering: .relaxed) }
    /// Valid events with no key in a stage (e.g. no device id in a device stage): they pass through that stage
    /// with its features missing.
    public var skipped: Int { _skipped.load(ordering: .relaxed) }
    /// State commits (one per task per poll batch).
    public var commits: Int { _commits.load(ordering: .relaxed) }

    /// Time from the start of the first processed batch to the end of the last committed one: the processing rate's
    /// denominator, without start-up (group join) or idle time at the end.
    public var processingDuration: Duration {
        let span = _span.withLock { $0 }
        guard let first = span.first, let last = span.last else { return .zero }
        return last - first
    }

    func batchStarted(at instant: ContinuousClock.Instant) {
        _span.withLock { if $0.first == nil { $0.first = instant } }
    }

    func batchCommitted(at instant: ContinuousClock.Instant) {
        _span.withLock { $0.last = instant }
    }

    func add(_ batch: BatchCounts) {
        _eventsIn.add(batch.eventsIn, ordering: .relaxed)
        _featuresOut.add(batch.featuresOut, ordering: .relaxed)
        _deadLettered.add(batch.deadLettered, ordering: .relaxed)
        _skipped.add(batch.skipped, ordering: .relaxed)
        _late.add(batch.late, ordering: .relaxed)
        _forwarded.add(batch.forwarded, ordering: .relaxed)
        _windowsOut.add(batch.windowsOut, ordering: .relaxed)
        _alertsOut.add(batch.alertsOut, ordering: .relaxed)
        if !batch.alertsBySeverity.isEmpty {
            _alertsBySeverity.withLock { total in for (k, v) in batch.alertsBySeverity { total[k, default: 0] += v } }
        }
        if !batch.predictions.isEmpty {
            _predictions.withLock { total in for stats in batch.predictions { total.merge(stats) } }
        }
        if batch.decoded > 0 || !batch.missing.isEmpty {
            _fields.withLock { f in
                f.decoded += batch.decoded
                if f.missing.count < batch.missing.count {
                    f.missing += Array(repeating: 0, count: batch.missing.count - f.missing.count)
                }
                for (i, m) in batch.missing.enumerated() { f.missing[i] += m }
            }
        }
    }

    func addTruncated(_ n: Int) { _truncated.add(n, ordering: .relaxed) }

    func addCommits(_ n: Int) { _commits.add(n, ordering: .relaxed) }
}

/// Counts of one poll batch, published to `RuntimeCounters` only after the batch is committed.
package struct BatchCounts {
    package var eventsIn = 0
    package var featuresOut = 0
    package var deadLettered = 0
    package var skipped = 0
    package var late = 0
    package var forwarded = 0
    package var windowsOut = 0
    /// Source events decoded, and missing values per schema field among them.
    package var decoded = 0
    package var missing: [Int] = []
    /// Alerts written.
    package var alertsOut = 0
    /// Alerts written per severity.
    package var alertsBySeverity: [String: Int] = [:]
    /// Predictions per model version and role, with their score distributions.
    package var predictions: [ScoreStatistics] = []

    /// Counts one prediction.
    mutating func record(_ prediction: PredictionEventEncoder.Prediction, role: String) {
        if let i = predictions.firstIndex(where: {
            $0.role == role && $0.name == prediction.model && $0.version == prediction.version
        }) {
            predictions[i].add(prediction.score)
        } else {
            var stats = ScoreStatistics(name: prediction.model, version: prediction.version, role: role)
            stats.add(prediction.score)
            predictions.append(stats)
        }
    }

    mutating func merge(_ stats: ScoreStatistics) {
        if let i = predictions.firstIndex(where: {
            $0.role == stats.role && $0.name == stats.name && $0.version == stats.version
        }) {
            predictions[i].merge(stats)
        } else {
            predictions.append(stats)
        }
    }

    package static func += (lhs: inout BatchCounts, rhs: BatchCounts) {
        lhs.forwarded += rhs.forwarded
        lhs.windowsOut += rhs.windowsOut
        lhs.decoded += rhs.decoded
        if lhs.missing.count < rhs.missing.count {
            lhs.missing += Array(repeating: 0, count: rhs.missing.count - lhs.missing.count)
        }
        for (i, m) in rhs.missing.enumerated() { lhs.missing[i] += m }
        lhs.alertsOut += rhs.alertsOut
        for (k, v) in rhs.alertsBySeverity { lhs.alertsBySeverity[k, default: 0] += v }
        for stats in rhs.predictions { lhs.merge(stats) }
        lhs.eventsIn += rhs.eventsIn
        lhs.featuresOut += rhs.featuresOut
        lhs.deadLettered += rhs.deadLettered
        lhs.skipped += rhs.skipped
        lhs.late += rhs.late
    }
}

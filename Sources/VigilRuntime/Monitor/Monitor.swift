import VigilCore
import VigilModel
import VigilMonitor
import VigilState
import VigilTopology

/// The monitor of a topology with a `monitoring:` section (docs/monitoring.md): it reads the monitor topic's one
/// partition — predictions with their model inputs, and labels — and writes drift events when an event-time window
/// closes, performance events as a window's labels arrive, and retrain triggers when the policy says so.
///
/// Deterministic: its outputs are a function of the monitor partition's records in order (invariant 1), so a
/// replay writes the same bytes. State lives in one RocksDB store with the partition's offset, written in one batch
/// per commit; the state of open windows is also kept in memory.
///
/// Not thread-safe: one per process, owned by the thread that reads the monitor partition.
final class Monitor {
    /// One output record.
    struct Output: Equatable {
        var topic: String
        var key: [UInt8]
        var value: [UInt8]
    }

    /// What the monitor needs of one model version; from its bundle.
    struct ModelInfo {
        var features: [String]
        var baselines: [FeatureBaseline?]
        var scoreBaseline: FeatureBaseline
        var validationRecall: Double?
        /// Feature names by importance, highest first.
        var featuresByImportance: [String]

        init(bundle: ModelBundle) {
            let manifest = bundle.manifest
            features = manifest.features
            baselines = manifest.orderedFeatureBaselines
            scoreBaseline = manifest.scoreBaseline
            validationRecall = manifest.validation?.recall
            let order = (bundle.model as? any FeatureImportanceProviding)?.featuresByImportance()
                ?? Array(manifest.features.indices)
            featuresByImportance = order.map { manifest.features[$0] }
        }
    }

    /// Counters since the monitor was opened in this process.
    struct Counts: Equatable {
        var predictions = 0
        var labels = 0
        var labelsJoined = 0
        var labelsPending = 0
        var labelsBeyondHorizon = 0
        var duplicateLabels = 0
        var latePredictions = 0
        var unmonitored = 0
        var driftEvents = 0
        var performanceEvents = 0
        var triggers = 0
        var malformed = 0
    }

    let topology: Topology
    let monitoring: Topology.Monitoring
    let window: Int64
    private let store: Store?
    private let modelInfo: (String, String) -> ModelInfo?
    private var infos: [String: ModelInfo] = [:]

    // State (persisted at commit).
    private(set) var committedOffset: Int64?
    /// The newest prediction event time.
    private(set) var eventTime: Int64 = .min
    /// The newest label `available_ts`.
    private(set) var labelTime: Int64 = .min
    /// Per model version ("name\u{0}version") and window start.
    private var drift: [String: [Int64: DriftWindow]] = [:]
    /// Per model version: the end of its last closed drift window (a prediction before it is late for drift).
    private var driftClosedUpTo: [String: Int64] = [:]
    private var performance: [String: [Int64: PerformanceWindow]] = [:]
    private var evaluators: [String: RetrainPolicyEvaluator] = [:]
    private var detectors: [String: ChangeDetector] = [:]
    /// The newest live version seen per model name (what a trigger names).
    private var liveVersion: [String: String] = [:]
    /// Labels waiting for their prediction, per window start.
    private var pendingLabels: [Int64: Int] = [:]
    /// The earliest end of an open drift window, and the earliest time a performance window needs attention: the
    /// per-record checks are skipped until the clocks reach them (recomputed after each check; not persisted).
    private var nextDriftClose: Int64 = .min
    private var nextPerformanceDue: Int64 = .min

    // Changes since the last commit.
    private var dirtyTransactions: [[UInt8]: [UInt8]?] = [:]
    private var dirtyDrift: Set<[UInt8]> = []
    private var dirtyPerformance: Set<[UInt8]> = []
    private var expiredTransactionsBelow: Int64?
    private(set) var hasUncommittedWork = false
    /// The PSI of each feature's last closed window since the last `takeLatestPSI()` (for the metrics gauges).
    private var latestPSI: [RuntimeCounters.DriftGauge: Double] = [:]

    /// The PSI values of the windows closed since the last call.
    func takeLatestPSI() -> [RuntimeCounters.DriftGauge: Double] {
        defer { latestPSI.removeAll() }
        return latestPSI
    }
    private(set) var counts = Counts()

    private static let metaKey: [UInt8] = Array("m".utf8)
    private static let driftPrefix = UInt8(ascii: "d")
    private static let performancePrefix = UInt8(ascii: "p")
    private static let transactionPrefix = UInt8(ascii: "t")
    private static let pendingPrefix = UInt8(ascii: "l")

    /// - Parameters:
    ///   - store: where state lives; nil keeps it in memory only (tests).
    ///   - modelInfo: the bundle facts of a model version, when it is known (the registry's current models).
    init(topology: Topology, store: Store?, modelInfo: @escaping (String, String) -> ModelInfo?) throws {
        guard let monitoring = topology.monitoring else {
            throw RuntimeError.startup("topology \(topology.name) has no monitoring section")
        }
        self.topology = topology
        self.monitoring = monitoring
        window = monitoring.windowMillis
        self.store = store
        self.modelInfo = modelInfo
        if let store { try load(store) }
    }

    /// The store path of a topology's monitor.
    static func storePath(topology: Topology) -> String {
        "\(topology.stateDirectory)/\(topology.name)/\(topology.sinks.monitor)-0"
    }

    // MARK: Applying records

    /// Applies one record of the monitor partition; `emit` receives the outputs in order.
    func apply(_ bytes: [UInt8], emit: (Output) throws -> Void) throws {
        hasUncommittedWork = true
        guard let record = MonitorRecord.decode(bytes) else {
            counts.malformed += 1
            return
        }
        switch record {
        case .event(let e): try apply(e, emit: emit)
        case .label(let l): try apply(l, emit: emit)
        }
    }

    private func windowStart(_ t: Int64) -> Int64 {
        let q = t / window
        return (t % window < 0 ? q - 1 : q) * window
    }

    private static func versionKey(_ model: String, _ version: String) -> String { "\(model)\u{0}\(version)" }

    private func info(_ model: String, _ version: String) -> ModelInfo? {
        let key = cachedVersionKey(model, version)
        if let cached = infos[key] { return cached }
        guard let found = modelInfo(model, version) else { return nil }
        infos[key] = found
        return found
    }

    /// The monitor's clock: the newest prediction event time. Performance windows mature by it. (Not the labels'
    /// `available_ts`: labels replayed from a topic all at once would carry it weeks ahead of the predictions and
    /// close every window before its predictions arrived.)
    var clock: Int64 { eventTime }

    /// The version key of the last model seen (most records name the same one or two).
    private var lastVersionKeys: [(model: String, version: String, key: String)] = []

    private func cachedVersionKey(_ model: String, _ version: String) -> String {
        for k in lastVersionKeys where k.model == model && k.version == version { return k.key }
        let key = Self.versionKey(model, version)
        if lastVersionKeys.count >= 4 { lastVersionKeys.removeFirst() }
        lastVersionKeys.append((model, version, key))
        return key
    }

    private func apply(_ event: MonitorRecord.Event, emit: (Output) throws -> Void) throws {
        counts.predictions += event.predictions.count
        eventTime = max(eventTime, event.timestamp)
        let start = windowStart(event.timestamp)
        let labelled = monitoring.labels != nil
        let inHorizon = start + window + horizon > clock
        var entry = TransactionEntry()
        for p in event.predictions {
            let key = cachedVersionKey(p.model, p.version)
            let live = p.role != "shadow"
            if live { liveVersion[p.model] = p.version }

            // Drift, updated in place (a window holds an array per input: a copy per event would cost more than
            // the rest).
            if let info = info(p.model, p.version), info.features.count == p.inputs.count {
                if start + window <= driftClosedUpTo[key] ?? .min {
                    counts.latePredictions += 1
                } else {
                    if drift[key]?[start] == nil {
                        drift[key, default: [:]][start] = DriftWindow(
                            start: start, model: p.model, version: p.version,
                            features: info.baselines.map { $0.map { BinnedHistogram(edges: $0.edges, range: $0.range) } },
                            score: BinnedHistogram(edges: info.scoreBaseline.edges))
                        nextDriftClose = min(nextDriftClose, start + window)
                        dirtyDrift.insert(Self.windowKey(Self.driftPrefix, key, start))
                    } else {
                        markDirty(&dirtyDrift, Self.driftPrefix, key, start)
                    }
                    Self.add(p, live: live, to: &drift[key]![start]!)
                }
            } else {
                counts.unmonitored += 1
            }

            // Performance.
            guard labelled else { continue }
            guard inHorizon else {
                counts.latePredictions += 1
                continue
            }
            if performance[key]?[start] == nil {
                performance[key, default: [:]][start] = PerformanceWindow(
                    start: start, model: p.model, version: p.version, threshold: p.threshold)
                nextPerformanceDue = min(nextPerformanceDue, start + window + reportAfter)
            }
            performance[key]![start]!.live = performance[key]![start]!.live || live
            performance[key]![start]!.counts.addPrediction(score: p.score)
            markDirty(&dirtyPerformance, Self.performancePrefix, key, start)
            entry.predictions.append(.init(
                model: p.model, version: p.version, live: live, score: p.score, threshold: p.threshold))
        }

        // The transaction, remembered for its labels: one blind write (a redelivered event writes the same entry).
        if labelled, inHorizon, let txn = event.txnID, !entry.predictions.isEmpty {
            let tkey = Self.transactionKey(Self.transactionPrefix, start, txn)
            var bytes: [UInt8] = []
            entry.encode(into: &bytes)
            dirtyTransactions[tkey] = bytes
            if pendingLabels[start, default: 0] > 0 {
                let lkey = Self.transactionKey(Self.pendingPrefix, start, txn)
                if let pending = try value(lkey), let record = MonitorRecord.decode(pending),
                   case .label(let label) = record {
                    dirtyTransactions[lkey] = .some(nil)
                    pendingLabels[start, default: 1] -= 1
                    try join(label, entryKey: tkey, emit: emit)
                }
            }
        }

        try closeDriftWindows(emit: emit)
        try emitPerformance(emit: emit)
    }

    private static func add(_ p: MonitorRecord.Prediction, live: Bool, to w: inout DriftWindow) {
        w.predictions += 1
        if live { w.live = true }
        for i in p.inputs.indices where w.features[i] != nil { w.features[i]!.add(p.inputs[i]) }
        w.score.add(p.score)
    }

    /// The last window marked dirty per prefix: a window is inserted in the dirty set once, not once per event.
    private var lastDirty: [UInt8: (key: String, start: Int64)] = [:]

    private func markDirty(_ set: inout Set<[UInt8]>, _ prefix: UInt8, _ key: String, _ start: Int64) {
        if let last = lastDirty[prefix], last.start == start, last.key == key { return }
        set.insert(Self.windowKey(prefix, key, start))
        lastDirty[prefix] = (key, start)
    }

    private var horizon: Int64 { monitoring.labels?.horizonMillis ?? 0 }
    private var reportAfter: Int64 { monitoring.labels?.reportAfterMillis ?? 0 }

    private func apply(_ label: Label, emit: (Output) throws -> Void) throws {
        counts.labels += 1
        labelTime = max(labelTime, label.availableAt)
        let start = windowStart(label.eventTimestamp)
        guard monitoring.labels != nil else { return }
        let tkey = Self.transactionKey(Self.transactionPrefix, start, label.txnID)
        if try transaction(tkey) != nil {
            try join(label, entryKey: tkey, emit: emit)
        } else if start + window + horizon <= clock {
            counts.labelsBeyondHorizon += 1
        } else {
            // The label came before its prediction (a replay, a fast chargeback): kept until the prediction comes.
            let lkey = Self.transactionKey(Self.pendingPrefix, start, label.txnID)
            if try value(lkey) == nil { pendingLabels[start, default: 0] += 1 }
            var bytes: [UInt8] = []
            MonitorRecord.encodeLabel(label, into: &bytes)
            dirtyTransactions[lkey] = bytes
            counts.labelsPending += 1
        }
        try emitPerformance(emit: emit)
    }

    /// Applies `label` to every prediction of its transaction, feeds the change detector with the live model's
    /// error, and the policy with the label count.
    private func join(_ label: Label, entryKey: [UInt8], emit: (Output) throws -> Void) throws {
        guard var entry = try transaction(entryKey) else { return }
        if entry.label == label.isFraud {
            counts.duplicateLabels += 1  // a redelivery, or a label that changes nothing
            return
        }
        // A correction known earlier than the label already applied does not undo it.
        if entry.label != nil, label.availableAt < entry.labelAvailableAt {
            counts.duplicateLabels += 1
            return
        }
        let previous = entry.label
        entry.label = label.isFraud
        entry.labelAvailableAt = label.availableAt
        var bytes: [UInt8] = []
        entry.encode(into: &bytes)
        dirtyTransactions[entryKey] = bytes
        counts.labelsJoined += 1
        let start = windowStart(label.eventTimestamp)
        for p in entry.predictions {
            let key = Self.versionKey(p.model, p.version)
            guard var w = performance[key]?[start] else { continue }
            w.counts.applyLabel(score: p.score, previous: previous, isFraud: label.isFraud)
            w.changed = true
            if let emitted = w.emittedAt { nextPerformanceDue = min(nextPerformanceDue, emitted + window) }
            performance[key]![start] = w
            dirtyPerformance.insert(Self.windowKey(Self.performancePrefix, key, start))
            guard p.live, let labels = monitoring.labels else { continue }
            let error: Double = (p.score >= p.threshold) != label.isFraud ? 1 : 0
            let detectorKey = Self.versionKey(p.model, p.version)
            var detector = detectors[detectorKey] ?? makeDetector(labels.detector)
            let changed = detector?.update(error) ?? false
            detectors[detectorKey] = detector
            if var evaluator = try evaluator(p.model, p.version) {
                var trigger = evaluator.observeLabels(1, at: label.availableAt)
                if changed, trigger == nil { trigger = evaluator.observeErrorChange(at: label.availableAt) }
                evaluators[Self.versionKey(p.model, p.version)] = evaluator
                if let trigger { try emitTrigger(trigger, model: p.model, version: p.version, emit: emit) }
            }
        }
    }

    private func makeDetector(_ kind: Topology.Monitoring.Detector) -> ChangeDetector? {
        switch kind {
        case .none: nil
        case .pageHinkley: ChangeDetector(kind: .pageHinkley)
        case .adwin: ChangeDetector(kind: .adwin)
        }
    }

    /// The policy evaluator of a model version, while it is the live one (a version that is no longer live
    /// triggers nothing: its last windows close after a promotion). A new live version gets its own validation
    /// recall, feature importance and streaks, but keeps the model's last trigger: the cool-down spans promotions.
    private func evaluator(_ model: String, _ version: String) throws -> RetrainPolicyEvaluator? {
        guard let policy = retrainPolicy, liveVersion[model] == version else { return nil }
        let key = Self.versionKey(model, version)
        if let e = evaluators[key] { return e }
        guard let info = info(model, version) else { return nil }
        var e = RetrainPolicyEvaluator(
            policy: policy, validationRecall: info.validationRecall, topFeatures: info.featuresByImportance)
        // One evaluator per model name is kept: the previous version's hands its cool-down over.
        let prefix = "\(model)\u{0}"
        for oldKey in evaluators.keys.filter({ $0.hasPrefix(prefix) }).sorted() {
            e = evaluators[oldKey]!.successor(
                validationRecall: info.validationRecall, topFeatures: info.featuresByImportance)
            evaluators[oldKey] = nil
        }
        evaluators[key] = e
        return e
    }

    /// The topology's retraining policy, in VigilMonitor's terms.
    private var retrainPolicy: RetrainPolicy? {
        guard let retrain = monitoring.retrain else { return nil }
        let rules: [RetrainPolicy.Rule] = retrain.rules.map {
            switch $0 {
            case .drift(let psi, let top, let windows):
                .drift(threshold: psi, topFeatures: top, consecutiveWindows: windows)
            case .recallDrop(let points): .recallDrop(points: points)
            case .every(let millis): .schedule(everyMillis: millis)
            case .newLabels(let count): .newLabels(count: count)
            case .errorChange: .errorChange
            }
        }
        return RetrainPolicy(
            rules: rules, cooldownMillis: retrain.cooldownMillis, trainingRangeMillis: retrain.trainingRangeMillis)
    }

    // MARK: Drift windows

    private func closeDriftWindows(emit: (Output) throws -> Void) throws {
        guard eventTime != .min else { return }
        let watermark = eventTime - topology.graceMillis
        guard watermark >= nextDriftClose else { return }
        var next = Int64.max
        defer { nextDriftClose = next }
        for key in drift.keys.sorted() {
            let due = drift[key]!.keys.filter { $0 + window <= watermark }.sorted()
            for start in due {
                let w = drift[key]![start]!
                drift[key]![start] = nil
                dirtyDrift.insert(Self.windowKey(Self.driftPrefix, key, start))
                driftClosedUpTo[key] = max(driftClosedUpTo[key] ?? .min, start + window)
                try emitDrift(w, emit: emit)
            }
            if drift[key]!.isEmpty { drift[key] = nil } else { next = min(next, drift[key]!.keys.min()! + window) }
        }
    }

    private enum Status: String { case ok, warn, drift, noData = "no_data" }

    private func status(psi: Double?, expected: [Double], count: UInt64) -> (Status, Double?) {
        guard let psi else { return (.noData, nil) }
        switch monitoring.thresholds {
        case .fixed(let warn, let act):
            return (psi >= act ? .drift : psi >= warn ? .warn : .ok, act)
        case .dataDriven(let sigmas):
            let bins = expected.filter { $0 > 0 }.count
            let threshold = Drift.psiThreshold(bins: max(bins, 1), sampleSize: Int(max(count, 1)), sigmas: sigmas)
            return (psi > threshold ? .drift : .ok, threshold)
        }
    }

    private func emitDrift(_ w: DriftWindow, emit: (Output) throws -> Void) throws {
        guard let info = info(w.model, w.version) else { return }
        let key = Array(w.model.utf8)
        var psiByFeature: [String: Double] = [:]
        var drifted: [String] = [], warned: [String] = []
        var maxPSI: (name: String, value: Double)?
        func one(subject: String, name: String, histogram: BinnedHistogram, baseline: FeatureBaseline) throws {
            let nonMissing = histogram.total - histogram.missing
            let actual = histogram.proportions
            let measures = nonMissing > 0
                ? DriftMeasures(expected: baseline.proportions, actual: actual, epsilon: monitoring.epsilon) : nil
            let (status, threshold) = status(psi: measures?.psi, expected: baseline.proportions, count: nonMissing)
            var json = MonitorJSON(type: "drift", topology: topology.name)
            json.field("model", w.model)
            json.field("model_version", w.version)
            json.field("window_start", w.start)
            json.field("window_end", w.start + window)
            json.field("subject", subject)
            json.field("name", name)
            json.field("count", histogram.total)
            json.field("missing_rate", histogram.missingRate)
            json.field("baseline_missing_rate", baseline.missingRate)
            json.field("out_of_range_rate", baseline.range == nil ? nil : Optional(histogram.outOfRangeRate))
            json.field("psi", measures?.psi)
            json.field("ks", measures?.ks)
            json.field("js", measures?.jensenShannon)
            json.field("threshold", threshold)
            json.field("status", status.rawValue)
            try emit(Output(topic: topology.sinks.drift, key: key, value: json.finish()))
            counts.driftEvents += 1
            if let psi = measures?.psi {
                latestPSI[RuntimeCounters.DriftGauge(model: w.model, version: w.version, feature: name)] = psi
            }
            if subject == "feature", let psi = measures?.psi {
                psiByFeature[name] = psi
                if maxPSI == nil || psi > maxPSI!.value { maxPSI = (name, psi) }
            }
            if status == .drift { drifted.append(name) }
            if status == .warn { warned.append(name) }
        }
        for (i, histogram) in w.features.enumerated() {
            guard let histogram, let baseline = info.baselines[i] else { continue }
            try one(subject: "feature", name: info.features[i], histogram: histogram, baseline: baseline)
        }
        try one(subject: "score", name: "score", histogram: w.score, baseline: info.scoreBaseline)
        var summary = MonitorJSON(type: "drift_summary", topology: topology.name)
        summary.field("model", w.model)
        summary.field("model_version", w.version)
        summary.field("window_start", w.start)
        summary.field("window_end", w.start + window)
        summary.field("predictions", w.predictions)
        summary.field("features", psiByFeature.count)
        summary.field("drifted", drifted)
        summary.field("warned", warned)
        summary.field("max_psi", maxPSI?.value)
        summary.field("max_psi_feature", maxPSI?.name)
        try emit(Output(topic: topology.sinks.drift, key: key, value: summary.finish()))
        counts.driftEvents += 1
        if w.live, var evaluator = try evaluator(w.model, w.version) {
            let trigger = evaluator.observeDrift(windowEnd: w.start + window, psi: psiByFeature)
            evaluators[Self.versionKey(w.model, w.version)] = evaluator
            if let trigger { try emitTrigger(trigger, model: w.model, version: w.version, emit: emit) }
        }
    }

    // MARK: Performance windows

    private func emitPerformance(emit: (Output) throws -> Void) throws {
        guard let labels = monitoring.labels else { return }
        let now = clock
        guard now != .min, now >= nextPerformanceDue else { return }
        var next = Int64.max
        defer { nextPerformanceDue = next }
        for key in performance.keys.sorted() {
            for start in performance[key]!.keys.sorted() {
                var w = performance[key]![start]!
                let end = start + window
                let final = now >= end + labels.horizonMillis
                let due: Bool
                if final {
                    due = true
                } else if now >= end + labels.reportAfterMillis {
                    due = w.emittedAt == nil || (w.changed && now >= w.emittedAt! + window)
                } else {
                    due = false
                }
                guard due else {
                    next = min(next, nextDue(w, labels: labels))
                    continue
                }
                try emitPerformance(w, final: final, emit: emit)
                w.revision += 1
                w.emittedAt = now
                w.changed = false
                dirtyPerformance.insert(Self.windowKey(Self.performancePrefix, key, start))
                if final {
                    performance[key]![start] = nil
                    expiredTransactionsBelow = max(expiredTransactionsBelow ?? .min, start + window)
                } else {
                    performance[key]![start] = w
                    next = min(next, nextDue(w, labels: labels))
                }
                if w.live, var evaluator = try evaluator(w.model, w.version) {
                    // Recall over a handful of frauds is noise: below min_fraud it does not count for recall_drop.
                    let recall = w.counts.fraud >= UInt64(labels.minFraud) ? w.counts.recall : nil
                    let trigger = evaluator.observePerformance(windowEnd: end, recall: recall, at: now)
                    evaluators[Self.versionKey(w.model, w.version)] = evaluator
                    if let trigger { try emitTrigger(trigger, model: w.model, version: w.version, emit: emit) }
                }
            }
            if performance[key]!.isEmpty { performance[key] = nil }
        }
        if let below = expiredTransactionsBelow {
            for start in pendingLabels.keys where start < below { pendingLabels[start] = nil }
        }
    }

    /// When `w` next needs attention: its first report, a re-emission of a change, or its final report.
    private func nextDue(_ w: PerformanceWindow, labels: Topology.Monitoring.Labels) -> Int64 {
        let end = w.start + window
        guard let emitted = w.emittedAt else { return end + labels.reportAfterMillis }
        return w.changed ? min(emitted + window, end + labels.horizonMillis) : end + labels.horizonMillis
    }

    private func emitPerformance(_ w: PerformanceWindow, final: Bool, emit: (Output) throws -> Void) throws {
        var json = MonitorJSON(type: "performance", topology: topology.name)
        json.field("model", w.model)
        json.field("model_version", w.version)
        json.field("window_start", w.start)
        json.field("window_end", w.start + window)
        json.field("revision", w.revision)
        json.field("final", final)
        json.field("label_time", labelTime == .min ? nil : Optional(labelTime))
        json.field("threshold", w.counts.threshold)
        json.field("predictions", w.counts.predictions)
        json.field("labelled", w.counts.labelled)
        json.field("fraud", w.counts.fraud)
        json.field("flagged", w.counts.flagged)
        json.field("true_positives", w.counts.truePositives)
        json.field("precision", w.counts.precision)
        json.field("recall", w.counts.recall)
        json.field("auc_pr", w.counts.averagePrecision)
        try emit(Output(topic: topology.sinks.performance, key: Array(w.model.utf8), value: json.finish()))
        counts.performanceEvents += 1
    }

    // MARK: Triggers

    private func emitTrigger(
        _ t: RetrainTrigger, model: String, version: String, emit: (Output) throws -> Void
    ) throws {
        let id = "\(model):\(t.at)"
        var json = MonitorJSON(type: "retrain_trigger", topology: topology.name)
        json.field("trigger_id", id)
        json.field("model", model)
        json.field("model_version", version)
        json.field("at", t.at)
        json.field("reasons", t.reasons)
        json.field("summary", t.summary)
        json.field("evidence", t.evidence)
        json.field("train_from", t.trainFrom)
        json.field("train_to", t.trainTo)
        try emit(Output(topic: topology.sinks.triggers, key: Array(model.utf8), value: json.finish()))
        var audit = MonitorJSON(type: "audit", topology: topology.name)
        audit.field("action", "retrain_triggered")
        audit.field("at", t.at)
        audit.field("model", model)
        audit.field("model_version", version)
        audit.field("trigger_id", id)
        audit.field("detail", t.summary)
        try emit(Output(topic: topology.sinks.audit, key: Array(model.utf8), value: audit.finish()))
        counts.triggers += 1
    }

    // MARK: State

    private static func windowKey(_ prefix: UInt8, _ versionKey: String, _ start: Int64) -> [UInt8] {
        var key: [UInt8] = [prefix]
        key.append(contentsOf: versionKey.utf8)
        key.append(0)
        withUnsafeBytes(of: UInt64(bitPattern: start ^ .min).bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    private static func transactionKey(_ prefix: UInt8, _ start: Int64, _ txn: String) -> [UInt8] {
        var key: [UInt8] = [prefix]
        withUnsafeBytes(of: UInt64(bitPattern: start ^ .min).bigEndian) { key.append(contentsOf: $0) }
        key.append(contentsOf: txn.utf8)
        return key
    }

    /// Whether a key of a window that has expired (its transactions and pending labels are dropped at commit).
    private func expired(_ key: [UInt8]) -> Bool {
        guard let below = expiredTransactionsBelow, key.count >= 9 else { return false }
        var raw: UInt64 = 0
        for b in key[1..<9] { raw = raw << 8 | UInt64(b) }
        return Int64(bitPattern: raw) ^ .min < below
    }

    private func value(_ key: [UInt8]) throws -> [UInt8]? {
        if expired(key) { return nil }
        if let dirty = dirtyTransactions[key] { return dirty }
        return try store?.get(key)
    }

    private func transaction(_ key: [UInt8]) throws -> TransactionEntry? {
        try value(key).map { try TransactionEntry(decoding: $0) }
    }

    /// Writes the changes since the last commit, with `offset` (the monitor partition's next offset), in one batch.
    func commit(offset: Int64) throws {
        committedOffset = offset
        hasUncommittedWork = false
        defer {
            lastDirty.removeAll()
            dirtyTransactions.removeAll(keepingCapacity: true)
            dirtyDrift.removeAll(keepingCapacity: true)
            dirtyPerformance.removeAll(keepingCapacity: true)
            expiredTransactionsBelow = nil
        }
        guard let store else { return }
        let batch = WriteBatch()
        if let below = expiredTransactionsBelow {
            for prefix in [Self.transactionPrefix, Self.pendingPrefix] {
                batch.deleteRange(
                    from: [prefix], to: Self.transactionKey(prefix, below, ""))
            }
        }
        for (key, value) in dirtyTransactions {
            if expired(key) { continue }
            if let value { batch.put(key, value) } else { batch.delete(key) }
        }
        for key in dirtyDrift { try put(key, batch: batch) }
        for key in dirtyPerformance { try put(key, batch: batch) }
        batch.put(Self.metaKey, encodeMeta(offset: offset))
        try store.write(batch)
    }

    private func put(_ key: [UInt8], batch: WriteBatch) throws {
        // The window key is prefix · versionKey · 0 · start.
        let versionKey = String(decoding: key[1..<(key.count - 9)], as: UTF8.self)
        var raw: UInt64 = 0
        for b in key[(key.count - 8)...] { raw = raw << 8 | UInt64(b) }
        let start = Int64(bitPattern: raw) ^ .min
        var bytes: [UInt8] = []
        if key[0] == Self.driftPrefix {
            guard let w = drift[versionKey]?[start] else { return batch.delete(key) }
            w.encode(into: &bytes)
        } else {
            guard let w = performance[versionKey]?[start] else { return batch.delete(key) }
            w.encode(into: &bytes)
        }
        batch.put(key, bytes)
    }

    private func encodeMeta(offset: Int64) -> [UInt8] {
        var out: [UInt8] = [1]
        StateCoding.appendInt(offset, to: &out)
        StateCoding.appendInt(eventTime, to: &out)
        StateCoding.appendInt(labelTime, to: &out)
        StateCoding.appendInt(Int64(driftClosedUpTo.count), to: &out)
        for (k, v) in driftClosedUpTo.sorted(by: { $0.key < $1.key }) {
            StateCoding.appendString(k, to: &out)
            StateCoding.appendInt(v, to: &out)
        }
        StateCoding.appendInt(Int64(liveVersion.count), to: &out)
        for (k, v) in liveVersion.sorted(by: { $0.key < $1.key }) {
            StateCoding.appendString(k, to: &out)
            StateCoding.appendString(v, to: &out)
        }
        StateCoding.appendInt(Int64(pendingLabels.count), to: &out)
        for (k, v) in pendingLabels.sorted(by: { $0.key < $1.key }) {
            StateCoding.appendInt(k, to: &out)
            StateCoding.appendInt(Int64(v), to: &out)
        }
        StateCoding.appendInt(Int64(evaluators.count), to: &out)
        for (k, v) in evaluators.sorted(by: { $0.key < $1.key }) {
            StateCoding.appendString(k, to: &out)
            StateCoding.appendNested(to: &out) { v.encode(into: &$0) }
        }
        StateCoding.appendInt(Int64(detectors.count), to: &out)
        for (k, v) in detectors.sorted(by: { $0.key < $1.key }) {
            StateCoding.appendString(k, to: &out)
            StateCoding.appendNested(to: &out) { v.encode(into: &$0) }
        }
        return out
    }

    private func load(_ store: Store) throws {
        if let meta = try store.get(Self.metaKey) {
            var r = StateCoding.Reader(meta[...])
            guard try r.byte() == 1 else { throw StateCoding.corrupt("meta") }
            committedOffset = try r.int()
            eventTime = try r.int()
            labelTime = try r.int()
            for _ in 0..<(try r.int()) { driftClosedUpTo[try r.string()] = try r.int() }
            for _ in 0..<(try r.int()) { liveVersion[try r.string()] = try r.string() }
            for _ in 0..<(try r.int()) { pendingLabels[try r.int()] = Int(try r.int()) }
            for _ in 0..<(try r.int()) {
                let k = try r.string()
                let evaluator = try RetrainPolicyEvaluator(decoding: try r.nested())
                // A policy edited in the topology starts afresh (its counters meant something else).
                if evaluator.policy == retrainPolicy { evaluators[k] = evaluator }
            }
            for _ in 0..<(try r.int()) {
                let k = try r.string()
                detectors[k] = try ChangeDetector(decoding: try r.nested())
            }
        }
        for (key, value) in try store.iterator(prefix: [Self.driftPrefix]) {
            let w = try DriftWindow(decoding: value)
            drift[Self.versionKey(w.model, w.version), default: [:]][w.start] = w
            _ = key
        }
        for (_, value) in try store.iterator(prefix: [Self.performancePrefix]) {
            let w = try PerformanceWindow(decoding: value)
            performance[Self.versionKey(w.model, w.version), default: [:]][w.start] = w
        }
    }
}

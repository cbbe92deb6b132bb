/// Applies a ``RetrainPolicy`` to a model's stream of monitoring observations and decides when to emit a
/// ``RetrainTrigger``, one per cool-down.
///
/// Each `observe…` call is one observation at an event time `t` (a drift window's end, a performance event's time, a
/// label batch's time, an error-stream change's time). It first updates the state the observation informs, then
/// checks every rule of the policy:
///
/// - `drift`: some of the top features (the first `topFeatures` of ``topFeatures``; every feature of the window when
///   the model ranks none) has had PSI `> threshold` in the last `consecutiveWindows` drift windows in a row. A
///   feature's streak ends at a window where its PSI is not above the threshold or is absent.
/// - `recallDrop`: only at a performance observation — `validationRecall − recall > points`.
/// - `schedule`: `t − (last trigger, or the first observation) >= everyMillis`.
/// - `newLabels`: the labels counted since the last trigger reach `count`.
/// - `errorChange`: only at an error-change observation.
///
/// If any rule holds, the observation yields one trigger whose reasons are all the rules that hold (in the policy's
/// order) — unless it falls within `cooldownMillis` of the last trigger (`t − last < cooldown`): then it yields nil
/// and counts in ``suppressed``. A trigger resets the drift streaks and the label count and restarts the schedule.
///
/// Deterministic: the same observations give the same triggers; the state encodes into the state store
/// (``encode(into:)``) with the policy, so a restored evaluator carries on exactly where it stopped.
public struct RetrainPolicyEvaluator: Sendable, Equatable {
    /// The policy applied.
    public let policy: RetrainPolicy
    /// The bundle's validation recall; without it `recallDrop` never holds.
    public let validationRecall: Double?
    /// The model's features by importance, best first.
    public let topFeatures: [String]
    /// Observations at which some rule held inside a cool-down (debounced, no trigger).
    public private(set) var suppressed: Int = 0
    /// The event time of the last trigger.
    public private(set) var lastTrigger: Int64?

    /// The event time of the first observation: the schedule's reference until the first trigger.
    private var firstSeen: Int64?
    /// Labels observed since the last trigger.
    private var newLabels: Int64 = 0
    /// Per rule (parallel to `policy.rules`, empty for rules other than `drift`): each feature on a streak, with its
    /// streak length and latest PSI.
    private var streaks: [[String: Streak]]

    /// A feature's run of consecutive drift windows above a rule's threshold.
    struct Streak: Sendable, Equatable {
        var windows: Int
        var psi: Double
    }

    /// An evaluator with no history.
    public init(policy: RetrainPolicy, validationRecall: Double?, topFeatures: [String]) {
        self.policy = policy
        self.validationRecall = validationRecall
        self.topFeatures = topFeatures
        streaks = Array(repeating: [:], count: policy.rules.count)
    }

    /// The evaluator for the model's next version (a promotion): the new version's validation recall and feature
    /// importance, no drift streaks and no labels counted yet, but the same last trigger, so the cool-down and the
    /// schedule go on (a promoted model does not trigger again at once).
    public func successor(validationRecall: Double?, topFeatures: [String]) -> RetrainPolicyEvaluator {
        var next = RetrainPolicyEvaluator(policy: policy, validationRecall: validationRecall, topFeatures: topFeatures)
        next.lastTrigger = lastTrigger
        next.firstSeen = firstSeen
        next.suppressed = suppressed
        return next
    }

    /// A drift window closed at `windowEnd` with PSI per feature name.
    public mutating func observeDrift(windowEnd: Int64, psi: [String: Double]) -> RetrainTrigger? {
        for (index, rule) in policy.rules.enumerated() {
            guard case .drift(let threshold, let count, _) = rule else { continue }
            let candidates = topFeatures.isEmpty ? Array(psi.keys) : Array(topFeatures.prefix(max(0, count)))
            var next: [String: Streak] = [:]
            for feature in candidates {
                guard let value = psi[feature], value > threshold else { continue }
                next[feature] = Streak(windows: (streaks[index][feature]?.windows ?? 0) &+ 1, psi: value)
            }
            streaks[index] = next
        }
        return evaluate(at: windowEnd, observation: .drift)
    }

    /// A final or revised performance window ending at `windowEnd`, with its recall (nil: no fraud labelled),
    /// observed at event time `at`.
    public mutating func observePerformance(windowEnd: Int64, recall: Double?, at: Int64) -> RetrainTrigger? {
        evaluate(at: at, observation: .performance(windowEnd: windowEnd, recall: recall))
    }

    /// `count` new labels observed at event time `at` (negative counts are ignored).
    public mutating func observeLabels(_ count: Int, at: Int64) -> RetrainTrigger? {
        newLabels = newLabels.saturatingAdding(Int64(max(0, count)))
        return evaluate(at: at, observation: .labels)
    }

    /// The error-stream change detector flagged a change at event time `at`.
    public mutating func observeErrorChange(at: Int64) -> RetrainTrigger? {
        evaluate(at: at, observation: .errorChange)
    }

    // MARK: - Evaluation

    private enum Observation {
        case drift
        case performance(windowEnd: Int64, recall: Double?)
        case labels
        case errorChange
    }

    private mutating func evaluate(at time: Int64, observation: Observation) -> RetrainTrigger? {
        if firstSeen == nil { firstSeen = time }
        var reasons: [String] = []
        var evidence: [String: Double] = [:]
        var details: [String] = []
        func hold(_ rule: RetrainPolicy.Rule, _ detail: String) {
            if !reasons.contains(rule.reason) { reasons.append(rule.reason) }
            details.append(detail)
        }

        for (index, rule) in policy.rules.enumerated() {
            switch rule {
            case .drift(let threshold, _, let consecutive):
                let needed = max(1, consecutive)
                for feature in streaks[index].keys.sorted() {
                    guard let streak = streaks[index][feature], streak.windows >= needed else { continue }
                    evidence["psi.\(feature)"] = streak.psi
                    evidence["drift_windows.\(feature)"] = Double(streak.windows)
                    hold(
                        rule,
                        "drift (\(feature) PSI \(Self.format(streak.psi)) > \(Self.format(threshold)) "
                            + "for \(streak.windows) windows)")
                }
            case .recallDrop(let points):
                guard case .performance(let windowEnd, let recall?) = observation, let validationRecall,
                    validationRecall - recall > points
                else { continue }
                evidence["recall"] = recall
                evidence["validation_recall"] = validationRecall
                evidence["recall_window_end"] = Double(windowEnd)
                hold(
                    rule,
                    "recall_drop (recall \(Self.format(recall)) vs validation \(Self.format(validationRecall)): "
                        + "\(Self.format((validationRecall - recall) * 100)) points down, more than "
                        + "\(Self.format(points * 100)))")
            case .schedule(let every):
                let reference = lastTrigger ?? firstSeen ?? time
                let elapsed = time.saturatingSubtracting(reference)
                guard elapsed >= every else { continue }
                evidence["elapsed_millis"] = Double(elapsed)
                hold(rule, "schedule (\(elapsed) ms since the \(lastTrigger == nil ? "start" : "last trigger"), every \(every) ms)")
            case .newLabels(let count):
                guard newLabels >= Int64(count) else { continue }
                evidence["new_labels"] = Double(newLabels)
                hold(rule, "new_labels (\(newLabels) since the \(lastTrigger == nil ? "start" : "last trigger"), at least \(count))")
            case .errorChange:
                guard case .errorChange = observation else { continue }
                evidence["error_change"] = 1
                hold(rule, "error_change (the error-stream detector flagged a change)")
            }
        }
        guard !reasons.isEmpty else { return nil }
        if let lastTrigger, time.saturatingSubtracting(lastTrigger) < policy.cooldownMillis {
            suppressed &+= 1
            return nil
        }
        lastTrigger = time
        newLabels = 0
        for index in streaks.indices { streaks[index].removeAll() }
        let from = time.saturatingSubtracting(policy.trainingRangeMillis)
        return RetrainTrigger(
            at: time, reasons: reasons, evidence: evidence,
            summary: "retrain at \(time): " + details.joined(separator: "; ") + "; train on [\(from), \(time))",
            trainFrom: from, trainTo: time)
    }

    /// A value with at most three decimals and no trailing zeros (`0.41`, `19`, `0.123`), without Foundation.
    static func format(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
        let scaled = Int64((abs(value) * 1000).rounded())
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(scaled / 1000)
        var fraction = scaled % 1000
        if fraction != 0 {
            var digits = 3
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let padded = String(fraction)
            text += "." + String(repeating: "0", count: digits - padded.count) + padded
        }
        return text
    }
}

extension RetrainPolicyEvaluator {
    /// Appends the state encoding: format byte `0x61`, the policy, validation recall and top features (so a restored
    /// evaluator is complete; compare its ``policy`` with the current one to decide whether to keep it), then the
    /// counters, times and drift streaks (sorted by feature, so equal states encode to equal bytes).
    public func encode(into out: inout [UInt8]) {
        out.append(StateFormat.retrainPolicyEvaluator)
        out.appendVarint(UInt64(policy.rules.count))
        for rule in policy.rules {
            switch rule {
            case .drift(let threshold, let topFeatures, let consecutiveWindows):
                out.append(1)
                out.appendDouble(threshold)
                out.appendSignedVarint(topFeatures)
                out.appendSignedVarint(consecutiveWindows)
            case .recallDrop(let points):
                out.append(2)
                out.appendDouble(points)
            case .schedule(let everyMillis):
                out.append(3)
                out.appendInt64(everyMillis)
            case .newLabels(let count):
                out.append(4)
                out.appendSignedVarint(count)
            case .errorChange:
                out.append(5)
            }
        }
        out.appendInt64(policy.cooldownMillis)
        out.appendInt64(policy.trainingRangeMillis)
        Self.appendOptional(validationRecall.map { $0.bitPattern }, into: &out)
        out.appendVarint(UInt64(topFeatures.count))
        for feature in topFeatures { out.appendString(feature) }
        out.appendSignedVarint(suppressed)
        Self.appendOptional(lastTrigger.map { UInt64(bitPattern: $0) }, into: &out)
        Self.appendOptional(firstSeen.map { UInt64(bitPattern: $0) }, into: &out)
        out.appendInt64(newLabels)
        for ruleStreaks in streaks {
            out.appendVarint(UInt64(ruleStreaks.count))
            for feature in ruleStreaks.keys.sorted() {
                let streak = ruleStreaks[feature]!
                out.appendString(feature)
                out.appendSignedVarint(streak.windows)
                out.appendDouble(streak.psi)
            }
        }
    }

    private static func appendOptional(_ value: UInt64?, into out: inout [UInt8]) {
        if let value {
            out.appendBool(true)
            out.appendFixed64(value)
        } else {
            out.appendBool(false)
        }
    }

    /// Decodes what ``encode(into:)`` wrote; throws on short, corrupt or foreign input.
    public init(decoding bytes: ArraySlice<UInt8>) throws(MonitorError) {
        var reader = StateReader(bytes, typeName: "RetrainPolicyEvaluator")
        try reader.expectFormat(StateFormat.retrainPolicyEvaluator)
        let ruleCount = try reader.count("rule count", minimumBytes: 1)
        var rules: [RetrainPolicy.Rule] = []
        for _ in 0..<ruleCount {
            switch try reader.byte("rule tag") {
            case 1:
                rules.append(
                    .drift(
                        threshold: try reader.double("drift threshold"),
                        topFeatures: try reader.signedVarint("drift top features"),
                        consecutiveWindows: try reader.signedVarint("drift consecutive windows")))
            case 2: rules.append(.recallDrop(points: try reader.double("recall drop points")))
            case 3: rules.append(.schedule(everyMillis: try reader.int64("schedule")))
            case 4: rules.append(.newLabels(count: try reader.signedVarint("new labels count")))
            case 5: rules.append(.errorChange)
            case let tag: throw reader.error(.corrupt, "unknown rule tag \(tag)")
            }
        }
        let policy = RetrainPolicy(
            rules: rules, cooldownMillis: try reader.int64("cool-down"),
            trainingRangeMillis: try reader.int64("training range"))
        let validationRecall = try Self.readOptional(&reader, "validation recall").map { Double(bitPattern: $0) }
        let featureCount = try reader.count("top feature count", minimumBytes: 1)
        var topFeatures: [String] = []
        for _ in 0..<featureCount { topFeatures.append(try reader.string("top feature")) }
        self.init(policy: policy, validationRecall: validationRecall, topFeatures: topFeatures)
        suppressed = try reader.signedVarint("suppressed")
        lastTrigger = try Self.readOptional(&reader, "last trigger").map { Int64(bitPattern: $0) }
        firstSeen = try Self.readOptional(&reader, "first observation").map { Int64(bitPattern: $0) }
        newLabels = try reader.int64("new labels")
        for index in streaks.indices {
            let count = try reader.count("streak count", minimumBytes: 10)
            for _ in 0..<count {
                let feature = try reader.string("streak feature")
                let windows = try reader.signedVarint("streak windows")
                streaks[index][feature] = Streak(windows: windows, psi: try reader.double("streak PSI"))
            }
        }
        guard suppressed >= 0, newLabels >= 0 else { throw reader.error(.corrupt, "negative counter") }
        try reader.expectEnd()
    }

    private static func readOptional(_ reader: inout StateReader, _ field: String) throws(MonitorError) -> UInt64? {
        try reader.bool("\(field) flag") ? try reader.fixed64(field) : nil
    }
}

import Testing

@testable import VigilMonitor

@Suite("Retrain policy")
struct RetrainPolicyEvaluatorTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 24 * hour
    /// Features by importance: f0 best … f11; the default rule watches the top 10 (f0…f9).
    static let features = (0..<12).map { "f\($0)" }

    /// The policy: PSI > 0.25 on any of the top 10 features for 3 windows, recall down > 10 points.
    static let defaultPolicy = RetrainPolicy(
        rules: [.drift(threshold: 0.25, topFeatures: 10, consecutiveWindows: 3), .recallDrop(points: 0.10)],
        cooldownMillis: day, trainingRangeMillis: 30 * day)

    static func evaluator(_ policy: RetrainPolicy = defaultPolicy, validationRecall: Double? = 0.81)
        -> RetrainPolicyEvaluator
    {
        RetrainPolicyEvaluator(policy: policy, validationRecall: validationRecall, topFeatures: features)
    }

    /// Small, stationary PSI values for every feature (as a no-drift window of a few thousand events gives).
    static func quiet(_ rng: inout SplitMix64) -> [String: Double] {
        var psi: [String: Double] = [:]
        for feature in features { psi[feature] = 0.002 + 0.02 * rng.uniform() }
        return psi
    }

    @Test("500 stationary hourly windows with small PSI and steady recall fire nothing")
    func stationaryFiresNothing() {
        var evaluator = Self.evaluator()
        var rng = SplitMix64(seed: 1)
        for window in 1...500 {
            let end = Int64(window) * Self.hour
            #expect(evaluator.observeDrift(windowEnd: end, psi: Self.quiet(&rng)) == nil)
            #expect(evaluator.observePerformance(windowEnd: end, recall: 0.78 + 0.04 * rng.uniform(), at: end) == nil)
            #expect(evaluator.observeLabels(100, at: end) == nil)
        }
        #expect(evaluator.suppressed == 0 && evaluator.lastTrigger == nil)
    }

    @Test("with a schedule, a stationary run fires only the schedule, every period after the first window")
    func stationaryWithSchedule() {
        var policy = Self.defaultPolicy
        policy.rules.append(.schedule(everyMillis: 100 * Self.hour))
        var evaluator = Self.evaluator(policy)
        var rng = SplitMix64(seed: 2)
        var fired: [Int64] = []
        for window in 1...500 {
            let end = Int64(window) * Self.hour
            if let trigger = evaluator.observeDrift(windowEnd: end, psi: Self.quiet(&rng)) {
                #expect(trigger.reasons == ["schedule"])
                #expect(trigger.evidence == ["elapsed_millis": Double(100 * Self.hour)])
                fired.append(end / Self.hour)
            }
        }
        #expect(fired == [101, 201, 301, 401])
    }

    @Test("a drift on one top feature fires exactly at its third consecutive window, with evidence and range")
    func shiftFiresAtThirdWindow() throws {
        var evaluator = Self.evaluator()
        var rng = SplitMix64(seed: 3)
        var triggers: [(Int, RetrainTrigger)] = []
        for window in 1...20 {
            var psi = Self.quiet(&rng)
            if window >= 11 { psi["f3"] = 0.41 }
            if let trigger = evaluator.observeDrift(windowEnd: Int64(window) * Self.hour, psi: psi) {
                triggers.append((window, trigger))
            }
        }
        try #require(triggers.count == 1)
        let (window, trigger) = triggers[0]
        #expect(window == 13)
        #expect(trigger.at == 13 * Self.hour)
        #expect(trigger.reasons == ["drift"])
        #expect(trigger.evidence == ["psi.f3": 0.41, "drift_windows.f3": 3])
        #expect(trigger.trainFrom == 13 * Self.hour - 30 * Self.day && trigger.trainTo == 13 * Self.hour)
        #expect(trigger.summary.contains("f3 PSI 0.41 > 0.25 for 3 windows"))
        // Windows 14…20 drift on but fall in the one-day cool-down.
        #expect(evaluator.suppressed == 5)  // windows 16…20 (14 and 15 rebuild the streak after the reset)
    }

    @Test("the streak must be the same feature, on the top features, in consecutive windows")
    func streakRules() {
        var rng = SplitMix64(seed: 4)
        // Alternating features never fire.
        var alternating = Self.evaluator()
        for window in 1...50 {
            var psi = Self.quiet(&rng)
            psi[window % 2 == 0 ? "f1" : "f2"] = 0.5
            #expect(alternating.observeDrift(windowEnd: Int64(window) * Self.hour, psi: psi) == nil)
        }
        // A feature outside the top 10 never fires.
        var minor = Self.evaluator()
        for window in 1...50 {
            var psi = Self.quiet(&rng)
            psi["f10"] = 0.9
            #expect(minor.observeDrift(windowEnd: Int64(window) * Self.hour, psi: psi) == nil)
        }
        // A window at or below the threshold (or without the feature) breaks the streak.
        var broken = Self.evaluator()
        let pattern: [Double?] = [0.3, 0.3, 0.25, 0.3, 0.3, nil, 0.3, 0.3, 0.3]
        var fired: [Int] = []
        for (i, value) in pattern.enumerated() {
            var psi = Self.quiet(&rng)
            psi["f0"] = value
            if broken.observeDrift(windowEnd: Int64(i + 1) * Self.hour, psi: psi) != nil { fired.append(i + 1) }
        }
        #expect(fired == [9])
    }

    @Test("persisting drift fires once per cool-down; what holds meanwhile is counted as suppressed")
    func debouncing() {
        var evaluator = Self.evaluator()
        var fired: [Int] = []
        for window in 1...100 {
            let end = Int64(window) * Self.hour
            if evaluator.observeDrift(windowEnd: end, psi: ["f0": 0.6, "f1": 0.01]) != nil { fired.append(window) }
        }
        // 3, then the first window at least 24 h later with a 3-window streak: 27, 51, 75, 99.
        #expect(fired == [3, 27, 51, 75, 99])
        // After each trigger the streak rebuilds over 2 windows, then holds for 21 windows inside the cool-down.
        #expect(evaluator.suppressed == 4 * 21)
        #expect(evaluator.lastTrigger == 99 * Self.hour)
    }

    @Test("recall drop: more than the given points below the validation recall, only when both are known")
    func recallDrop() throws {
        var evaluator = Self.evaluator(RetrainPolicy(rules: [.recallDrop(points: 0.10)], cooldownMillis: 0, trainingRangeMillis: Self.day))
        #expect(evaluator.observePerformance(windowEnd: Self.hour, recall: 0.75, at: 2 * Self.hour) == nil)
        #expect(evaluator.observePerformance(windowEnd: Self.hour, recall: nil, at: 2 * Self.hour) == nil)
        let fired = evaluator.observePerformance(windowEnd: 5 * Self.hour, recall: 0.62, at: 9 * Self.hour)
        let trigger = try #require(fired)
        #expect(trigger.reasons == ["recall_drop"] && trigger.at == 9 * Self.hour)
        #expect(trigger.evidence == ["recall": 0.62, "validation_recall": 0.81, "recall_window_end": Double(5 * Self.hour)])
        #expect(trigger.summary.contains("recall 0.62 vs validation 0.81: 19 points down, more than 10"))
        #expect(trigger.trainFrom == 9 * Self.hour - Self.day && trigger.trainTo == 9 * Self.hour)

        var unknown = Self.evaluator(RetrainPolicy(rules: [.recallDrop(points: 0.10)], cooldownMillis: 0, trainingRangeMillis: Self.day), validationRecall: nil)
        #expect(unknown.observePerformance(windowEnd: Self.hour, recall: 0, at: Self.hour) == nil)
    }

    @Test("new labels: fires when the count since the last trigger reaches the rule's, then counts afresh")
    func newLabels() throws {
        var evaluator = Self.evaluator(RetrainPolicy(rules: [.newLabels(count: 1000)], cooldownMillis: Self.hour, trainingRangeMillis: Self.day))
        #expect(evaluator.observeLabels(400, at: 1) == nil)
        #expect(evaluator.observeLabels(400, at: 2) == nil)
        let fired = evaluator.observeLabels(300, at: 3)
        let trigger = try #require(fired)
        #expect(trigger.reasons == ["new_labels"] && trigger.evidence == ["new_labels": 1100])
        #expect(evaluator.observeLabels(999, at: Self.hour + 10) == nil)
        #expect(evaluator.observeLabels(-50, at: Self.hour + 11) == nil)
        let again = evaluator.observeLabels(1, at: Self.hour + 12)
        #expect(again?.evidence == ["new_labels": 1000])
    }

    @Test("error change: fires on the detector's signal, debounced by the cool-down")
    func errorChange() {
        var evaluator = Self.evaluator(RetrainPolicy(rules: [.errorChange], cooldownMillis: Self.day, trainingRangeMillis: Self.day))
        #expect(evaluator.observeDrift(windowEnd: 0, psi: ["f0": 9]) == nil)
        #expect(evaluator.observeErrorChange(at: Self.hour)?.reasons == ["error_change"])
        #expect(evaluator.observeErrorChange(at: 2 * Self.hour) == nil)
        #expect(evaluator.suppressed == 1)
        #expect(evaluator.observeErrorChange(at: Self.hour + Self.day)?.evidence == ["error_change": 1])
    }

    @Test("schedule: measured from the first observation, then from the last trigger of any reason")
    func schedule() {
        var evaluator = Self.evaluator(
            RetrainPolicy(rules: [.schedule(everyMillis: 10 * Self.hour), .errorChange], cooldownMillis: 0, trainingRangeMillis: Self.day))
        #expect(evaluator.observeLabels(1, at: 5 * Self.hour) == nil)
        #expect(evaluator.observeLabels(1, at: 14 * Self.hour) == nil)
        #expect(evaluator.observeLabels(1, at: 15 * Self.hour)?.reasons == ["schedule"])
        #expect(evaluator.observeErrorChange(at: 20 * Self.hour)?.reasons == ["error_change"])
        #expect(evaluator.observeLabels(1, at: 29 * Self.hour) == nil)
        #expect(evaluator.observeLabels(1, at: 30 * Self.hour)?.reasons == ["schedule"])
    }

    @Test("all rules that hold at one observation are the reasons of one trigger")
    func combinedReasons() throws {
        let policy = RetrainPolicy(
            rules: [
                .drift(threshold: 0.25, topFeatures: 10, consecutiveWindows: 2), .schedule(everyMillis: 20 * Self.hour),
                .newLabels(count: 10), .errorChange,
            ],
            cooldownMillis: 10 * Self.hour, trainingRangeMillis: Self.day)
        let psi = ["f0": 0.3, "f5": 0.5, "f11": 0.9]
        var evaluator = Self.evaluator(policy)
        #expect(evaluator.observeDrift(windowEnd: Self.hour, psi: psi) == nil)  // streaks of 1
        #expect(evaluator.observeLabels(20, at: Self.hour)?.reasons == ["new_labels"])
        // That trigger reset the streaks and the label count.
        #expect(evaluator.observeDrift(windowEnd: 12 * Self.hour, psi: psi) == nil)
        #expect(evaluator.observeDrift(windowEnd: 13 * Self.hour, psi: psi)?.reasons == ["drift"])
        // Inside the cool-down (until 23 h) conditions build up and are suppressed.
        #expect(evaluator.observeLabels(10, at: 15 * Self.hour) == nil)
        #expect(evaluator.observeDrift(windowEnd: 16 * Self.hour, psi: psi) == nil)
        #expect(evaluator.observeDrift(windowEnd: 17 * Self.hour, psi: psi) == nil)
        #expect(evaluator.suppressed == 3)
        // At 33 h an error change finds all four holding: a drift streak of 2, 20 h since the last trigger, 10 labels.
        let fired = evaluator.observeErrorChange(at: 33 * Self.hour)
        let trigger = try #require(fired)
        #expect(trigger.reasons == ["drift", "schedule", "new_labels", "error_change"])
        #expect(
            trigger.evidence == [
                "psi.f0": 0.3, "drift_windows.f0": 2, "psi.f5": 0.5, "drift_windows.f5": 2,
                "elapsed_millis": Double(20 * Self.hour), "new_labels": 10, "error_change": 1,
            ])
        #expect(
            trigger.summary
                == "retrain at \(33 * Self.hour): drift (f0 PSI 0.3 > 0.25 for 2 windows); drift (f5 PSI 0.5 > 0.25 "
                + "for 2 windows); schedule (72000000 ms since the last trigger, every 72000000 ms); new_labels (10 "
                + "since the last trigger, at least 10); error_change (the error-stream detector flagged a change); "
                + "train on [32400000, 118800000)")
    }

    @Test("a bundle without feature ranking watches every feature of the window")
    func unrankedFeatures() {
        var evaluator = RetrainPolicyEvaluator(policy: Self.defaultPolicy, validationRecall: nil, topFeatures: [])
        var fired: [Int] = []
        for window in 1...4 where evaluator.observeDrift(windowEnd: Int64(window), psi: ["any": 0.3]) != nil {
            fired.append(window)
        }
        #expect(fired == [3])
    }

    @Test("encoding and decoding mid-sequence keeps the behaviour identical")
    func roundTripMidSequence() throws {
        let policy = RetrainPolicy(
            rules: [
                .drift(threshold: 0.2, topFeatures: 5, consecutiveWindows: 3), .recallDrop(points: 0.05),
                .schedule(everyMillis: 50 * Self.hour), .newLabels(count: 5000), .errorChange,
            ],
            cooldownMillis: 12 * Self.hour, trainingRangeMillis: 14 * Self.day)
        var reference = Self.evaluator(policy, validationRecall: 0.8)
        var restarted = reference
        #expect(try RetrainPolicyEvaluator(decoding: encoded(reference.encode)[...]) == reference)
        var rng = SplitMix64(seed: 6)
        var triggers = 0
        for window in 1...400 {
            let end = Int64(window) * Self.hour
            var psi = Self.quiet(&rng)
            if (window / 40) % 2 == 1 { psi["f\(window / 80)"] = 0.3 }  // drift episodes
            let recall = rng.uniform() < 0.05 ? 0.7 : 0.8
            let labels = Int(rng.uniform() * 300)
            let change = rng.uniform() < 0.01
            func step(_ e: inout RetrainPolicyEvaluator) -> [RetrainTrigger?] {
                [
                    e.observeDrift(windowEnd: end, psi: psi),
                    e.observePerformance(windowEnd: end - Self.hour, recall: recall, at: end),
                    e.observeLabels(labels, at: end),
                    change ? e.observeErrorChange(at: end) : nil,
                ]
            }
            let expected = step(&reference)
            if window % 7 == 0 {
                let bytes = encoded(restarted.encode)
                #expect(bytes.first == 0x61)
                restarted = try RetrainPolicyEvaluator(decoding: bytes[...])
                #expect(encoded(restarted.encode) == bytes)
            }
            #expect(step(&restarted) == expected, "window \(window)")
            triggers += expected.compactMap { $0 }.count
        }
        #expect(restarted == reference)
        #expect(triggers >= 5 && reference.suppressed > 0, "\(triggers) triggers, \(reference.suppressed) suppressed")
    }

    @Test("numbers in summaries have at most three decimals")
    func formatting() {
        #expect(RetrainPolicyEvaluator.format(0.41) == "0.41")
        #expect(RetrainPolicyEvaluator.format(19.000000000000004) == "19")
        #expect(RetrainPolicyEvaluator.format(-0.1234) == "-0.123")
        #expect(RetrainPolicyEvaluator.format(0.0005) == "0.001")
        #expect(RetrainPolicyEvaluator.format(0.05) == "0.05")
        #expect(RetrainPolicyEvaluator.format(-0.0001) == "0")
        #expect(RetrainPolicyEvaluator.format(.infinity) == "inf")
    }
}

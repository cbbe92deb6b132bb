import Foundation
import Testing
@testable import VigilTopology

/// One file of `Broken/` and the problem it must be rejected with.
struct BrokenCase: Sendable, CustomTestStringConvertible {
    var file: String
    var line: Int
    var column: Int
    var code: TopologyError.Code
    var fragment: String
    /// How many problems the file has in all (1 unless it has a deliberate second mistake).
    var issues: Int = 1

    var testDescription: String { file }
}

@Suite("Broken topology files are rejected at the right place")
struct BrokenTopologyTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Broken").path

    static let cases: [BrokenCase] = [
        BrokenCase(file: "unknown-field", line: 9, column: 9, code: .unknownField,
                   fragment: "unknown field \"agregation\"", issues: 2),
        BrokenCase(file: "bad-duration", line: 10, column: 17, code: .invalidDuration, fragment: "\"1 hour\" is not a duration"),
        BrokenCase(file: "unknown-aggregation", line: 9, column: 22, code: .unknownAggregation,
                   fragment: "unknown aggregation \"median\""),
        BrokenCase(file: "sum-without-field", line: 8, column: 9, code: .missingField, fragment: "missing required field \"field\""),
        BrokenCase(file: "count-with-field", line: 10, column: 16, code: .notApplicable, fragment: "count takes no field"),
        BrokenCase(file: "field-not-in-schema", line: 10, column: 16, code: .unknownSchemaField,
                   fragment: "no field \"amout\" in the source schema"),
        BrokenCase(file: "non-numeric-field", line: 10, column: 16, code: .fieldType,
                   fragment: "mean needs a numeric field; \"merchant_id\" is string"),
        BrokenCase(file: "key-not-in-schema", line: 6, column: 10, code: .unknownSchemaField,
                   fragment: "unknown key field \"card_number\""),
        BrokenCase(file: "key-wrong-type", line: 6, column: 10, code: .fieldType,
                   fragment: "a stage key must be a string or int field; \"amount\" is decimal"),
        BrokenCase(file: "schema-without-timestamp", line: 5, column: 16, code: .unknownSchemaField,
                   fragment: "the event-time field \"event_time\" is not declared"),
        BrokenCase(file: "timestamp-wrong-type", line: 5, column: 16, code: .fieldType,
                   fragment: "\"ts\" is declared as int, not timestamp"),
        BrokenCase(file: "unknown-field-type", line: 8, column: 21, code: .invalidValue, fragment: "unknown field type \"float\""),
        BrokenCase(file: "required-with-default", line: 7, column: 56, code: .notApplicable,
                   fragment: "a required field takes no default"),
        BrokenCase(file: "duplicate-feature-across-stages", line: 14, column: 15, code: .duplicateName,
                   fragment: "duplicate feature name \"txn_count_1h\""),
        BrokenCase(file: "duplicate-state-id", line: 14, column: 13, code: .duplicateName,
                   fragment: "duplicate state id \"seen\" in stage \"card\""),
        BrokenCase(file: "duplicate-stage-name", line: 9, column: 11, code: .duplicateName, fragment: "duplicate stage name \"card\""),
        BrokenCase(file: "same-key-consecutive", line: 10, column: 10, code: .redundantStage,
                   fragment: "same key card_id as the stage \"card\" before it: no repartition is needed"),
        BrokenCase(file: "ratio-unknown-feature", line: 13, column: 24, code: .unknownFeature,
                   fragment: "ratio refers to unknown feature \"card_amount_sum_1d\""),
        BrokenCase(file: "ratio-later-stage", line: 10, column: 63, code: .laterStageFeature,
                   fragment: "\"merchant_amount_mean_24h\" of the later stage \"merchant\""),
        BrokenCase(file: "ratio-cycle", line: 10, column: 60, code: .ratioCycle, fragment: "ratios form a cycle: a → b → c → a"),
        BrokenCase(file: "ratio-windowed", line: 13, column: 60, code: .windowedOperand,
                   fragment: "\"card_txn_count_hourly\", a tumbling window feature with no value per event"),
        BrokenCase(file: "ratio-with-window", line: 12, column: 9, code: .notApplicable, fragment: "a ratio feature takes no window"),
        BrokenCase(file: "include-current-zscore", line: 12, column: 26, code: .notApplicable,
                   fragment: "zscore cannot include the current event"),
        BrokenCase(file: "include-current-windowed", line: 11, column: 26, code: .notApplicable,
                   fragment: "include_current applies to trailing windows only"),
        BrokenCase(file: "zscore-tumbling", line: 11, column: 17, code: .notApplicable,
                   fragment: "zscore is computed per event and needs a trailing window, not a tumbling window"),
        BrokenCase(file: "window-exceeds-retention", line: 11, column: 17, code: .windowExceedsRetention,
                   fragment: "the window 90d is longer than the input retention 35d"),
        BrokenCase(file: "tile-not-dividing", line: 11, column: 38, code: .invalidWindow,
                   fragment: "the tile 5h does not divide the window 7d"),
        BrokenCase(file: "tile-longer-than-window", line: 12, column: 17, code: .invalidWindow,
                   fragment: "the tile 2h is longer than the window 1h"),
        BrokenCase(file: "default-tile-not-dividing", line: 10, column: 17, code: .invalidWindow,
                   fragment: "the default tile 1h does not divide the window 2190m"),
        BrokenCase(file: "tile-on-first-seen", line: 11, column: 39, code: .notApplicable, fragment: "first_seen takes no tile"),
        BrokenCase(file: "hopping-advance", line: 10, column: 40, code: .invalidWindow,
                   fragment: "the advance 25m does not divide the window size 1h"),
        BrokenCase(file: "two-window-kinds", line: 10, column: 17, code: .invalidWindow,
                   fragment: "a window has one kind, found trailing and tumbling"),
        BrokenCase(file: "zero-window", line: 10, column: 17, code: .invalidDuration, fragment: "must be longer than zero"),
        BrokenCase(file: "negative-grace", line: 9, column: 8, code: .invalidDuration, fragment: "must not be negative"),
        BrokenCase(file: "sink-collides-source", line: 10, column: 8, code: .topicCollision,
                   fragment: "writes to the input topic \"transactions\""),
        BrokenCase(file: "sink-collides-repartition", line: 14, column: 13, code: .topicCollision,
                   fragment: "writes to the repartition topic of stage \"merchant\""),
        BrokenCase(file: "invalid-topic-name", line: 3, column: 10, code: .invalidName,
                   fragment: "\"card transactions\" is not a valid Kafka topic name"),
        BrokenCase(file: "unknown-guarantee", line: 9, column: 12, code: .invalidValue, fragment: "unknown guarantee \"exactly-once\""),
        BrokenCase(file: "empty-stages", line: 4, column: 9, code: .emptyList, fragment: "a topology needs at least one stage"),
        BrokenCase(file: "stage-without-features", line: 7, column: 15, code: .emptyList,
                   fragment: "a stage needs at least one feature"),
        BrokenCase(file: "duplicate-yaml-key", line: 10, column: 9, code: .duplicateKey,
                   fragment: "key \"window\" appears more than once"),
        // scoring:
        BrokenCase(file: "scoring-missing-model", line: 11, column: 3, code: .missingField,
                   fragment: "missing required field \"model\""),
        BrokenCase(file: "scoring-unknown-field", line: 12, column: 3, code: .unknownField,
                   fragment: "unknown field \"challanger\""),
        BrokenCase(file: "scoring-canary-without-challenger", line: 12, column: 3, code: .notApplicable,
                   fragment: "canary applies only with a challenger model"),
        BrokenCase(file: "scoring-canary-out-of-range", line: 13, column: 11, code: .invalidValue,
                   fragment: "must be a fraction between 0 and 1 (both excluded), found \"10\""),
        BrokenCase(file: "scoring-bad-reload", line: 12, column: 11, code: .invalidDuration,
                   fragment: "\"5 seconds\" is not a duration"),
        BrokenCase(file: "scoring-top-features-out-of-range", line: 12, column: 17, code: .invalidValue,
                   fragment: "must be a whole number from 0 to 50, found \"80\""),
        BrokenCase(file: "alert-unknown-field", line: 16, column: 7, code: .unknownField, fragment: "unknown field \"unles\""),
        BrokenCase(file: "alert-duplicate-name", line: 16, column: 13, code: .duplicateName,
                   fragment: "duplicate rule name \"very_high_score\""),
        BrokenCase(file: "alert-invalid-name", line: 13, column: 13, code: .invalidName,
                   fragment: "\"Very-High\" is not a valid rule name"),
        BrokenCase(file: "alert-unknown-severity", line: 14, column: 17, code: .invalidValue, fragment: "unknown severity \"high\""),
        BrokenCase(file: "alert-empty-when", line: 15, column: 13, code: .emptyList, fragment: "when needs at least one condition"),
        BrokenCase(file: "condition-unknown-test", line: 15, column: 22, code: .unknownField, fragment: "unknown field \"at_leest\""),
        BrokenCase(file: "condition-two-tests", line: 15, column: 21, code: .invalidCondition,
                   fragment: "a condition has one test, found above and below"),
        BrokenCase(file: "condition-unknown-name", line: 17, column: 9, code: .unknownName,
                   fragment: "condition on unknown name \"card_amount_sum_1d\""),
        BrokenCase(file: "condition-numeric-on-string", line: 16, column: 23, code: .fieldType,
                   fragment: "above compares numbers; \"merchant_id\" is a string field"),
        BrokenCase(file: "condition-membership-on-score", line: 16, column: 17, code: .notApplicable,
                   fragment: "in applies to schema fields only; score is the model's score"),
        BrokenCase(file: "condition-membership-on-feature", line: 16, column: 30, code: .notApplicable,
                   fragment: "not_in applies to schema fields only; \"card_amount_sum_1h\" is a feature"),
        BrokenCase(file: "condition-between-reversed", line: 15, column: 31, code: .invalidCondition,
                   fragment: "between needs lo < hi, found [0.9, 0.5]"),
        BrokenCase(file: "condition-unreadable-list-file", line: 16, column: 32, code: .unreadableFile,
                   fragment: "cannot read the list file \"\(BrokenTopologyTests.directory)/lists/deny-merchants.txt\""),
        BrokenCase(file: "condition-empty-list", line: 16, column: 27, code: .emptyList, fragment: "in needs at least one value"),
        BrokenCase(file: "condition-windowed-feature", line: 16, column: 9, code: .windowedOperand,
                   fragment: "\"card_txn_count_hourly\" is a tumbling window feature with no value per event"),
        BrokenCase(file: "condition-feature-and-field", line: 17, column: 9, code: .ambiguousName,
                   fragment: "\"country\" is both a feature and a schema field"),
        BrokenCase(file: "sink-collides-alerts", line: 17, column: 11, code: .topicCollision,
                   fragment: "\"broken-features\" is already the features topic"),
        // monitoring:
        BrokenCase(file: "monitoring-without-scoring", line: 9, column: 1, code: .notApplicable,
                   fragment: "monitoring needs a scoring section"),
        BrokenCase(file: "monitoring-zero-window", line: 12, column: 11, code: .invalidDuration,
                   fragment: "must be longer than zero, found \"0s\""),
        BrokenCase(file: "monitoring-psi-act-not-above-warn", line: 14, column: 14, code: .invalidValue,
                   fragment: "psi_act 0.2 must be above psi_warn 0.3"),
        BrokenCase(file: "monitoring-psi-warn-data-driven", line: 14, column: 5, code: .notApplicable,
                   fragment: "psi_warn applies only to thresholds: fixed"),
        BrokenCase(file: "monitoring-sigmas-with-fixed", line: 13, column: 5, code: .notApplicable,
                   fragment: "sigmas applies only to thresholds: data_driven"),
        BrokenCase(file: "monitoring-epsilon-out-of-range", line: 13, column: 14, code: .invalidValue,
                   fragment: "must be a number above 0 and below 0.01, found \"0.05\""),
        BrokenCase(file: "monitoring-unknown-field", line: 13, column: 3, code: .unknownField,
                   fragment: "unknown field \"retrian\""),
        BrokenCase(file: "monitoring-labels-without-topic", line: 13, column: 5, code: .missingField,
                   fragment: "missing required field \"topic\""),
        BrokenCase(file: "monitoring-labels-topic-is-source", line: 13, column: 12, code: .topicCollision,
                   fragment: "the labels topic \"transactions\" is also the input topic"),
        BrokenCase(file: "monitoring-labels-topic-is-sink", line: 13, column: 12, code: .topicCollision,
                   fragment: "the labels topic \"broken-drift\" is also the drift topic"),
        BrokenCase(file: "monitoring-horizon-before-report-after", line: 15, column: 14, code: .invalidValue,
                   fragment: "horizon 3d is shorter than report_after 7d"),
        BrokenCase(file: "monitoring-unknown-detector", line: 14, column: 15, code: .invalidValue,
                   fragment: "unknown detector \"page-hinkley\""),
        BrokenCase(file: "monitoring-recall-drop-without-labels", line: 15, column: 9, code: .notApplicable,
                   fragment: "recall_drop needs labels"),
        BrokenCase(file: "monitoring-error-change-without-detector", line: 17, column: 9, code: .notApplicable,
                   fragment: "error_change needs a change detector, and labels.detector is none"),
        BrokenCase(file: "monitoring-empty-when", line: 14, column: 11, code: .emptyList,
                   fragment: "when needs at least one rule"),
        BrokenCase(file: "monitoring-rule-two-kinds", line: 14, column: 9, code: .invalidCondition,
                   fragment: "a retrain rule has one kind, found drift and every"),
        BrokenCase(file: "monitoring-unknown-rule", line: 16, column: 9, code: .unknownField,
                   fragment: "unknown retrain rule \"recal_drop\""),
        BrokenCase(file: "monitoring-new-labels-zero", line: 16, column: 21, code: .invalidValue,
                   fragment: "must be a whole number from 1 to 1000000000, found \"0\""),
        BrokenCase(file: "sink-collides-drift", line: 14, column: 10, code: .topicCollision,
                   fragment: "\"broken-alerts\" is already the alerts topic"),
    ]

    @Test("each broken file names its line, column, field and problem", arguments: cases)
    func rejected(_ c: BrokenCase) throws {
        let path = "\(Self.directory)/\(c.file).yaml"
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.load(path: path) }
        let issue = try #require(error.issues.first { $0.message.contains(c.fragment) }, "\(error)")
        #expect(issue.line == c.line, "\(issue)")
        #expect(issue.column == c.column, "\(issue)")
        #expect(issue.code == c.code, "\(issue)")
        #expect(issue.file == path)
        #expect(issue.hint?.isEmpty == false, "every problem comes with a hint: \(issue)")
        #expect(error.issues.count == c.issues, "no cascade of follow-up problems: \(error)")
        #expect(error.description.contains("\(path):\(c.line):\(c.column): error: "))
    }

    @Test("every fixture in Broken/ is in the table, and every table entry has a fixture")
    func tableCoversFixtures() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory)
            .filter { $0.hasSuffix(".yaml") }
            .map { String($0.dropLast(5)) }
        #expect(Set(files) == Set(Self.cases.map(\.file)))
        #expect(Self.cases.count >= 40)
    }
}

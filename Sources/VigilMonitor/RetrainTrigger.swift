/// A decision to retrain: when, why, on what evidence, and on which event-time range.
public struct RetrainTrigger: Sendable, Equatable {
    /// The event time of the observation that fired it (a drift window's end, a performance event's time, a label
    /// time …).
    public var at: Int64
    /// The rules that held, in the policy's order, each once: `drift`, `recall_drop`, `schedule`, `new_labels`,
    /// `error_change`.
    public var reasons: [String]
    /// The values behind the reasons: `psi.<feature>` (the PSI of each feature whose streak reached the rule, in its
    /// latest window), `drift_windows.<feature>` (its streak length), `recall`, `validation_recall`,
    /// `recall_window_end`, `new_labels`, `elapsed_millis` (for `schedule`), `error_change` (1).
    public var evidence: [String: Double]
    /// One human-readable line naming the reasons and their values.
    public var summary: String
    /// The start of the suggested training range (inclusive): `at − trainingRangeMillis`.
    public var trainFrom: Int64
    /// The end of the suggested training range (exclusive): `at`.
    public var trainTo: Int64

    /// A trigger.
    public init(
        at: Int64, reasons: [String], evidence: [String: Double], summary: String, trainFrom: Int64, trainTo: Int64
    ) {
        self.at = at
        self.reasons = reasons
        self.evidence = evidence
        self.summary = summary
        self.trainFrom = trainFrom
        self.trainTo = trainTo
    }
}

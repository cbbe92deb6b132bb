/// What a score means for a transaction.
public enum Decision: String, Sendable, Hashable, CaseIterable {
    /// At or above the decision threshold.
    case fraud
    /// In the review band: at or above `review`, below `decision`.
    case review
    /// Below every threshold.
    case legit
}

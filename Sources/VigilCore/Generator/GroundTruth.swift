/// What the generator knows about a transaction it produced: whether it is fraud and which pattern made it.
///
/// For tests and demo metrics only; a real stream learns this through delayed ``Label`` events.
public struct GroundTruth: Sendable, Equatable {
    /// The injected pattern, or `nil` for a legitimate transaction.
    public var pattern: FraudPattern?

    /// Creates ground truth for a transaction of `pattern` (`nil` = legitimate).
    public init(pattern: FraudPattern?) { self.pattern = pattern }

    /// Whether the transaction is fraudulent.
    public var isFraud: Bool { pattern != nil }

    /// The label's `fraud_type` spelling, or `nil` when legitimate.
    public var fraudType: String? { pattern?.rawValue }

    /// A legitimate transaction.
    public static let legitimate = GroundTruth(pattern: nil)
}

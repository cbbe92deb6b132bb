/// The declaration of one windowed feature, as the topology states it.
///
/// A feature is an aggregation over the events of one key (the stage's entity) whose timestamps fall in a trailing
/// event-time window ending at the current event: `(t − window, t]`. Events with equal timestamps that came earlier
/// in the input log are inside the window; the current event is outside unless `includeCurrent` is set.
/// docs/semantics.md is the reference for these rules.
public struct FeatureSpec: Sendable, Equatable {
    /// The name the feature has in feature events and model manifests, e.g. `card_txn_count_1h`.
    public var name: String
    /// What is computed over the window.
    public var aggregation: Aggregation
    /// The trailing window length in milliseconds (> 0).
    public var windowMillis: Int64
    /// Whether the event being scored counts in its own feature (default: no, it must not see itself).
    public var includeCurrent: Bool

    public init(name: String, aggregation: Aggregation, windowMillis: Int64, includeCurrent: Bool = false) {
        self.name = name
        self.aggregation = aggregation
        self.windowMillis = windowMillis
        self.includeCurrent = includeCurrent
    }
}

/// The aggregations the first feature operator supports.
public enum Aggregation: Sendable, Equatable {
    /// The number of events in the window.
    case count
    /// The sum of a numeric field over the window's events, exact to four decimal places.
    case sum(NumericField)
}

/// A numeric field of the transaction event that can be aggregated.
public enum NumericField: String, Sendable, Equatable, CaseIterable {
    case amount
}

/// The entity a stage is keyed by: all state of one key lives in the task that owns the key's partition.
public enum EntityKey: String, Sendable, Equatable, CaseIterable {
    case cardID = "card_id"
    case merchantID = "merchant_id"
    case deviceID = "device_id"

    /// The key of `transaction` for this entity, or nil when the transaction has none (a missing device id).
    @inlinable
    public func value(of transaction: Transaction) -> String? {
        switch self {
        case .cardID: transaction.cardID
        case .merchantID: transaction.merchantID
        case .deviceID: transaction.deviceID
        }
    }
}

/// Computes a stage's trailing-window features for one event and updates the key's state.
///
/// This is the only implementation of these features: live processing, replay and backfill all call it, so online
/// and offline values cannot disagree.
public struct TrailingWindowAggregator: Sendable {
    /// The features, in output order.
    public let features: [FeatureSpec]
    /// How long entries are kept behind the newest timestamp of a key: longest window + grace.
    public let retentionMillis: Int64

    /// - Parameters:
    ///   - features: the features to compute, in output order.
    ///   - graceMillis: how far behind a key's newest event an out-of-order event may be and still see a complete
    ///     window.
    public init(features: [FeatureSpec], graceMillis: Int64) {
        self.features = features
        self.retentionMillis = (features.map(\.windowMillis).max() ?? 0) + max(0, graceMillis)
    }

    /// Computes every feature at `transaction` from `state` (which holds only earlier events of the same key), then
    /// adds the transaction to the state. `values` is cleared and filled in `features` order.
    public func apply(_ transaction: Transaction, state: inout KeyWindowState, into values: inout [FeatureValue]) {
        values.removeAll(keepingCapacity: true)
        let t = transaction.timestamp
        let amount = FixedPoint.units(transaction.amount)
        for feature in features {
            var (count, sum) = state.aggregate(after: t &- feature.windowMillis, upTo: t)
            if feature.includeCurrent {
                count &+= 1
                sum &+= amount
            }
            switch feature.aggregation {
            case .count: values.append(.int(count))
            case .sum(.amount): values.append(.decimal(units: sum))
            }
        }
        state.insert(timestamp: t, value: amount, retentionMillis: retentionMillis)
    }
}

/// Computes a stage's trailing-window features for one event and updates the key's state.
///
/// This is the only implementation of these features: live processing, replay and backfill all call it, so online
/// and offline values cannot disagree.
public struct TrailingWindowAggregator: Sendable {
    /// The features, in output order.
    public let features: [FeatureSpec]
    /// How long entries are kept behind the newest timestamp of a key: longest window + grace.
    public let retentionMillis: Int64
    /// How far behind its key's newest event an event may be and still be applied.
    public let graceMillis: Int64

    /// - Parameters:
    ///   - features: the features to compute, in output order.
    ///   - graceMillis: how far behind a key's newest event an out-of-order event may be and still see a complete
    ///     window.
    public init(features: [FeatureSpec], graceMillis: Int64) {
        self.features = features
        self.graceMillis = max(0, graceMillis)
        self.retentionMillis = (features.map(\.windowMillis).max() ?? 0) + self.graceMillis
    }

    /// What `apply` did with an event.
    public enum Outcome: Sendable, Equatable {
        /// The features were computed and the event was added to the state.
        case applied
        /// The event is more than the grace period behind its key's newest event: part of its windows is already
        /// expired, so its features cannot be computed exactly. Nothing was changed.
        case late(behindMillis: Int64)
    }

    /// Computes every feature at `transaction` from `state` (which holds only earlier events of the same key), then
    /// adds the transaction to the state. `values` is cleared and filled in `features` order. An event later than
    /// the grace period changes nothing and is reported as `.late`.
    @discardableResult
    public func apply(
        _ transaction: Transaction, state: inout KeyWindowState, into values: inout [FeatureValue]
    ) -> Outcome {
        values.removeAll(keepingCapacity: true)
        let t = transaction.timestamp
        if state.maxTimestamp != .min, t < state.maxTimestamp &- graceMillis {
            return .late(behindMillis: state.maxTimestamp &- t)
        }
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
        return .applied
    }
}

/// A fraud label that arrives after its transaction (a chargeback or a confirmed fraud report): the `label` event,
/// schema version 1 (docs/events.md).
///
/// Labels join their transaction on ``txnID``. ``availableAt`` is when the label became known, which is what a
/// training pipeline must respect to avoid label leakage: at time *t* only labels with `availableAt <= t` exist.
/// Encode and decode with ``LabelCodec``.
public struct Label: Sendable, Equatable {
    /// `txn_id`: the labelled transaction; non-empty.
    public var txnID: String
    /// `card_id`: the card of the labelled transaction (the partitioning key); non-empty.
    public var cardID: String
    /// `is_fraud`: whether the transaction was fraudulent.
    public var isFraud: Bool
    /// `fraud_type`: the kind of fraud when known, e.g. "card_testing", "large_amount", "impossible_travel",
    /// "account_takeover"; `nil` for legitimate transactions or when unknown.
    public var fraudType: String?
    /// `event_ts`: the labelled transaction's `ts`, epoch milliseconds.
    public var eventTimestamp: Int64
    /// `available_ts`: when the label became known, epoch milliseconds; never before `event_ts`.
    public var availableAt: Int64

    /// Creates a label from its fields.
    public init(
        txnID: String, cardID: String, isFraud: Bool, fraudType: String? = nil, eventTimestamp: Int64,
        availableAt: Int64
    ) {
        self.txnID = txnID
        self.cardID = cardID
        self.isFraud = isFraud
        self.fraudType = fraudType
        self.eventTimestamp = eventTimestamp
        self.availableAt = availableAt
    }
}

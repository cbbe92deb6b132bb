/// A card transaction: the `transaction` event, schema version 1 (docs/events.md).
///
/// Field comments give the wire names. On the wire the event also carries `"v":1`; the version is not stored here
/// because a decoded transaction is always version 1. Encode and decode with ``TransactionCodec``.
public struct Transaction: Sendable, Equatable {
    /// `txn_id`: the producer's unique transaction identifier; non-empty.
    public var txnID: String
    /// `card_id`: the card (the usual partitioning key); non-empty.
    public var cardID: String
    /// `merchant_id`: the merchant (acceptor) identifier; non-empty.
    public var merchantID: String
    /// `amount`: the amount in major currency units (12.5 = twelve and a half euros); finite and >= 0.
    public var amount: Double
    /// `currency`: ISO 4217 alphabetic code, three uppercase letters ("EUR").
    public var currency: String
    /// `country`: ISO 3166-1 alpha-2 country where the transaction happened (merchant or terminal), two uppercase
    /// letters ("FR").
    public var country: String
    /// `mcc`: the merchant category code, 0...9999 (5411 = grocery).
    public var mcc: Int32
    /// `channel`: point of sale, e-commerce or ATM.
    public var channel: Channel
    /// `entry_mode`: how the card was read; optional on the wire, ``EntryMode/unknown`` when absent.
    public var entryMode: EntryMode
    /// `device_id`: the customer's device for e-commerce; `nil` (absent or `null`) when there is none.
    public var deviceID: String?
    /// `ts`: event time, milliseconds since the Unix epoch (UTC); >= 0.
    public var timestamp: Int64

    /// Creates a transaction from its fields (no validation: ``TransactionCodec/decode(_:)-(UnsafeRawBufferPointer)``
    /// validates what arrives from outside).
    public init(
        txnID: String, cardID: String, merchantID: String, amount: Double, currency: String, country: String,
        mcc: Int32, channel: Channel, entryMode: EntryMode = .unknown, deviceID: String? = nil, timestamp: Int64
    ) {
        self.txnID = txnID
        self.cardID = cardID
        self.merchantID = merchantID
        self.amount = amount
        self.currency = currency
        self.country = country
        self.mcc = mcc
        self.channel = channel
        self.entryMode = entryMode
        self.deviceID = deviceID
        self.timestamp = timestamp
    }
}

// TEMPORARY: removed when the codec/generator land.
public enum Channel: String, Sendable { case pos, ecom, atm }
public enum EntryMode: String, Sendable { case chip, contactless, swipe, manual, online, unknown }
public struct Transaction: Sendable, Equatable {
    public var txnID: String; public var cardID: String; public var merchantID: String; public var amount: Double
    public var currency: String; public var country: String; public var mcc: Int32; public var channel: Channel
    public var entryMode: EntryMode; public var deviceID: String?; public var timestamp: Int64
    public init(txnID: String, cardID: String, merchantID: String, amount: Double, currency: String, country: String, mcc: Int32, channel: Channel, entryMode: EntryMode, deviceID: String?, timestamp: Int64) {
        self.txnID = txnID; self.cardID = cardID; self.merchantID = merchantID; self.amount = amount; self.currency = currency; self.country = country; self.mcc = mcc; self.channel = channel; self.entryMode = entryMode; self.deviceID = deviceID; self.timestamp = timestamp }
}

/// How a transaction reached the card network: at a terminal, online, or at a cash machine.
///
/// The raw value is the wire spelling of the `channel` field (docs/events.md).
public enum Channel: String, Sendable, Hashable, CaseIterable {
    /// Card present at a merchant's point-of-sale terminal.
    case pos
    /// Card not present: an online (e-commerce) purchase.
    case ecom
    /// A cash withdrawal at an ATM.
    case atm
}

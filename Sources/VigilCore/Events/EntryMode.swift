/// How the card details were captured for a transaction.
///
/// The raw value is the wire spelling of the `entry_mode` field (docs/events.md). The field is optional on the wire;
/// an absent or `null` entry mode decodes as ``unknown``.
public enum EntryMode: String, Sendable, Hashable, CaseIterable {
    /// EMV chip read at a terminal.
    case chip
    /// Contactless (NFC) tap at a terminal.
    case contactless
    /// Magnetic stripe swipe.
    case swipe
    /// Card number keyed in by hand (mail/telephone order, terminal fallback).
    case manual
    /// Card-not-present entry on a website or in an app.
    case online
    /// The producer did not say.
    case unknown
}

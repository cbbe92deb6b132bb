/// A kind of fraud the generator injects; the raw value is the label's `fraud_type`.
public enum FraudPattern: String, Sendable, Hashable, CaseIterable {
    /// A burst of 5–30 tiny e-commerce charges within minutes from a device new to the card.
    case cardTesting = "card_testing"
    /// One purchase many times the card's usual amount, at electronics or jewellery.
    case largeAmount = "large_amount"
    /// A card-present purchase in a distant country within an hour of one at home.
    case impossibleTravel = "impossible_travel"
    /// E-commerce from a new device followed by several high-value purchases.
    case accountTakeover = "account_takeover"
    /// One device paying with 6–20 stolen cards, one mid-size online purchase each, 10–50 minutes apart, at
    /// merchants of one country far from the first card's home. Not in the default mix (weight 0): it is the new
    /// pattern of a ``GeneratorConfig/Shift``, which a model trained before the shift has never seen.
    case deviceFarm = "device_farm"

    /// The patterns of the original mix, in the order the generator has always drawn them from.
    static let classic: [FraudPattern] = [.cardTesting, .largeAmount, .impossibleTravel, .accountTakeover]
}

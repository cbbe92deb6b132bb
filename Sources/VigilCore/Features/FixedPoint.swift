/// Fixed-point decimals with four fractional digits, used for sums of money so that they are exact and independent
/// of the order in which events are added (floating-point sums are neither).
public enum FixedPoint {
    /// Units per whole: amounts are stored as `amount × 10 000`, rounded to the nearest unit.
    public static let scale: Int64 = 10_000

    /// Converts a decimal amount to fixed-point units (half away from zero).
    @inlinable
    public static func units(_ value: Double) -> Int64 {
        Int64((value * Double(scale)).rounded())
    }
}

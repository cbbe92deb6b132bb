/// PSI, the Kolmogorov–Smirnov statistic and the Jensen–Shannon distance of one window against its baseline.
public struct DriftMeasures: Sendable, Equatable {
    /// ``Drift/psi(expected:actual:epsilon:)``.
    public var psi: Double
    /// ``Drift/ks(expected:actual:)``.
    public var ks: Double
    /// ``Drift/jensenShannon(expected:actual:)``.
    public var jensenShannon: Double

    /// Computes the three statistics of `actual` (the window's proportions) against `expected` (the training
    /// proportions of the same bins).
    public init(expected: [Double], actual: [Double], epsilon: Double = Drift.defaultEpsilon) {
        psi = Drift.psi(expected: expected, actual: actual, epsilon: epsilon)
        ks = Drift.ks(expected: expected, actual: actual)
        jensenShannon = Drift.jensenShannon(expected: expected, actual: actual)
    }

    /// Wraps values computed elsewhere (for example read back from a drift event).
    public init(psi: Double, ks: Double, jensenShannon: Double) {
        self.psi = psi
        self.ks = ks
        self.jensenShannon = jensenShannon
    }
}

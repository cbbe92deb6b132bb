/// Settings of a ``TransactionGenerator``. Same configuration (including ``seed``) → same stream, byte for byte.
///
/// Out-of-range values are clamped when the generator is created (at least one card and one merchant, rates within
/// [0, 0.5], …) rather than trapping, because they may come from a command line.
public struct GeneratorConfig: Sendable, Equatable {
    /// The seed of the random stream.
    public var seed: UInt64 = 42
    /// Cards in the population.
    public var cards: Int = 10_000
    /// Merchants in the population (a few per country are always card-present or ATM merchants).
    public var merchants: Int = 2_000
    /// Event time of the start of the stream, epoch ms (default 2026-01-01T00:00:00Z).
    public var startTime: Int64 = 1_767_225_600_000
    /// Number of transactions to generate.
    public var eventCount: Int = 100_000
    /// Average transactions per card per day; with ``cards`` this sets the event rate (and so the time span).
    public var transactionsPerCardPerDay: Double = 3.0
    /// Shape of the log-normal activity weight of cards (0 = all cards equally active; 1.4 makes the top 1% of
    /// cards carry about 18% of transactions).
    public var cardActivitySigma: Double = 1.4

    /// Target share of fraudulent transactions (0.005 = 0.5%). The realised share varies with the random bursts.
    public var fraudRate: Double = 0.005
    /// Relative frequency of each fraud pattern, counted in fraud *incidents* (a card-testing incident has 5–30
    /// transactions).
    public var fraudMix = FraudMix()

    /// Median chargeback delay of fraud labels, in days (log-normal).
    public var labelDelayMedianDays: Double = 7
    /// Shape of the log-normal label delay.
    public var labelDelaySigma: Double = 0.8
    /// Label delays are clamped to this range, in days.
    public var labelDelayRangeDays: ClosedRange<Double> = 1...60
    /// Also emit `is_fraud: false` labels for legitimate transactions, available ``legitLabelDelayDays`` after them.
    /// Off by default: the absence of a fraud label by the horizon means legitimate.
    public var labelLegit = false
    /// Delay of legitimate labels when ``labelLegit`` is on, in days.
    public var legitLabelDelayDays: Double = 30

    /// Share of transactions whose timestamp is moved back by up to ``maxLatenessMillis`` (0 = strict ts order).
    public var outOfOrderFraction: Double = 0
    /// The most a late transaction's timestamp is moved back, ms.
    public var maxLatenessMillis: Int64 = 60_000

    /// A change of the stream's distribution from an event time on; `nil` (the default) keeps the stream
    /// stationary, and the bytes of a stream without a shift do not depend on this setting's existence.
    public var shift: Shift?

    /// The default configuration.
    public init() {}

    /// Relative weights of the fraud patterns (need not sum to 1; all zero means no fraud).
    public struct FraudMix: Sendable, Equatable {
        /// Weight of ``FraudPattern/cardTesting`` incidents.
        public var cardTesting: Double = 0.25
        /// Weight of ``FraudPattern/largeAmount`` incidents.
        public var largeAmount: Double = 0.30
        /// Weight of ``FraudPattern/impossibleTravel`` incidents.
        public var impossibleTravel: Double = 0.20
        /// Weight of ``FraudPattern/accountTakeover`` incidents.
        public var accountTakeover: Double = 0.25
        /// Weight of ``FraudPattern/deviceFarm`` incidents (0: the pattern appears only through a ``Shift``).
        public var deviceFarm: Double = 0

        /// The default mix.
        public init() {}

        /// The weight of one pattern.
        public func weight(_ pattern: FraudPattern) -> Double {
            switch pattern {
            case .cardTesting: cardTesting
            case .largeAmount: largeAmount
            case .impossibleTravel: impossibleTravel
            case .accountTakeover: accountTakeover
            case .deviceFarm: deviceFarm
            }
        }
    }

    /// A change of the stream's distribution at one event time: what a model trained on the stream before it has
    /// not seen. Every arrival at or after ``at`` follows the shifted distribution; everything before is the
    /// unshifted stream's, byte for byte.
    public struct Shift: Sendable, Equatable {
        /// Event time where the shift starts, epoch ms.
        public var at: Int64
        /// Every amount at or after ``at`` is multiplied by this (legitimate and fraudulent alike; then rounded
        /// to the currency's unit as usual): inflation.
        public var amountScale: Double
        /// The target fraud share after ``at`` is ``GeneratorConfig/fraudRate`` times this (at most 0.5).
        public var fraudRateScale: Double
        /// The pattern that takes ``newPatternShare`` of the fraud incidents after ``at``; `nil` keeps the mix.
        public var newPattern: FraudPattern?
        /// The share of incidents after ``at`` that are ``newPattern``; the rest follow ``GeneratorConfig/fraudMix``.
        public var newPatternShare: Double

        /// A shift at `at`; the defaults are the drift demo's: amounts × 2.5, three times the fraud, and 80 % of
        /// the incidents a device farm.
        public init(
            at: Int64, amountScale: Double = 2.5, fraudRateScale: Double = 3, newPattern: FraudPattern? = .deviceFarm,
            newPatternShare: Double = 0.8
        ) {
            self.at = at
            self.amountScale = amountScale
            self.fraudRateScale = fraudRateScale
            self.newPattern = newPattern
            self.newPatternShare = newPatternShare
        }
    }

    /// The configuration with every value in range.
    func clamped() -> GeneratorConfig {
        var c = self
        c.cards = max(1, c.cards)
        c.merchants = max(1, c.merchants)
        c.eventCount = max(0, c.eventCount)
        c.startTime = max(0, c.startTime)
        c.transactionsPerCardPerDay = c.transactionsPerCardPerDay.isFinite ? max(1e-3, c.transactionsPerCardPerDay) : 3
        c.cardActivitySigma = c.cardActivitySigma.isFinite ? min(4, max(0, c.cardActivitySigma)) : 1.4
        c.fraudRate = c.fraudRate.isFinite ? min(0.5, max(0, c.fraudRate)) : 0.005
        for p in FraudPattern.allCases where !(c.fraudMix.weight(p).isFinite && c.fraudMix.weight(p) >= 0) {
            c.fraudMix = FraudMix()
        }
        c.labelDelayMedianDays = c.labelDelayMedianDays.isFinite ? max(0, c.labelDelayMedianDays) : 7
        c.labelDelaySigma = c.labelDelaySigma.isFinite ? max(0, c.labelDelaySigma) : 0.8
        if !(c.labelDelayRangeDays.lowerBound.isFinite && c.labelDelayRangeDays.upperBound.isFinite
            && c.labelDelayRangeDays.lowerBound >= 0)
        {
            c.labelDelayRangeDays = 1...60
        }
        c.legitLabelDelayDays = c.legitLabelDelayDays.isFinite ? max(0, c.legitLabelDelayDays) : 30
        c.outOfOrderFraction = c.outOfOrderFraction.isFinite ? min(1, max(0, c.outOfOrderFraction)) : 0
        c.maxLatenessMillis = max(0, c.maxLatenessMillis)
        if var shift = c.shift {
            shift.amountScale = shift.amountScale.isFinite && shift.amountScale > 0 ? min(1000, shift.amountScale) : 1
            shift.fraudRateScale = shift.fraudRateScale.isFinite ? min(1000, max(0, shift.fraudRateScale)) : 1
            shift.newPatternShare = shift.newPatternShare.isFinite ? min(1, max(0, shift.newPatternShare)) : 0
            c.shift = shift
        }
        return c
    }
}

/// A seeded, deterministic generator of synthetic card transactions with injected fraud and delayed labels.
///
/// Yields transactions lazily in non-decreasing `ts` order (unless ``GeneratorConfig/outOfOrderFraction`` > 0), so
/// any number of events needs constant memory beyond the population. Each fraudulent transaction gets one
/// ``Label`` that becomes available a chargeback delay later; labels wait in a min-heap keyed by `available_ts`:
/// drain them with ``drainLabels(upTo:)`` as the stream's time advances and ``remainingLabels()`` at the end.
///
/// ```swift
/// var g = TransactionGenerator(config)
/// while let (txn, truth) = g.next() {
///     for label in g.drainLabels(upTo: txn.timestamp) { … }
///     …
/// }
/// let late = g.remainingLabels()
/// ```
///
/// Determinism: the same configuration gives the same transactions and labels on every machine. Only integer
/// arithmetic, IEEE-754 basic operations and ``DeterministicMath`` are used; no dictionary or set iteration order,
/// no standard-library random algorithms. Iterating with `for … in` works but iterates a copy, whose labels the
/// original cannot drain: use `while let` with `next()` when labels matter.
///
/// With a ``GeneratorConfig/Shift``, every arrival from its event time on follows the shifted distribution
/// (inflated amounts, more fraud, a new pattern); the stream before it is the unshifted stream's, byte for byte.
///
/// Not thread-safe (a mutable value); the population it shares between copies is immutable.
public struct TransactionGenerator: Sequence, IteratorProtocol, Sendable {
    /// A generated transaction and what the generator knows about it.
    public typealias Element = (transaction: Transaction, truth: GroundTruth)

    /// The configuration in use (after clamping out-of-range values).
    public let config: GeneratorConfig

    private let population: Population
    private var rng: Xoshiro256StarStar

    /// Offset of the generator's clock from ``GeneratorConfig/startTime``, ms (fractional).
    private var clock: Double = 0
    /// Global event rate at the daily peak, events per ms, and the hourly intensity profile.
    private let peakRate: Double
    private static let hourlyIntensity: [Double] = [
        0.25, 0.15, 0.10, 0.10, 0.12, 0.20, 0.40, 0.70, 0.90, 1.00, 1.10, 1.25,
        1.40, 1.30, 1.10, 1.05, 1.10, 1.25, 1.45, 1.50, 1.30, 1.00, 0.70, 0.45,
    ]
    private static let peakIntensity = 1.50

    /// The next legitimate arrival, if already drawn.
    private var nextArrival: Int64?
    /// Transactions scheduled by fraud scenarios, by timestamp.
    private var scheduled = MinHeap<ScheduledTransaction>()
    private var scheduleSequence: UInt64 = 0
    /// Probability that a legitimate arrival slot starts a fraud incident instead.
    private let incidentProbability: Double
    private let patternChoice: AliasTable?
    /// The patterns `patternChoice` draws from, in its order.
    private let patterns: [FraudPattern]

    /// Where ``GeneratorConfig/shift`` starts (`Int64.max` without one), and its amount factor.
    private let shiftAt: Int64
    private let amountScale: Double
    /// The incident probability and pattern choice from `shiftAt` on (`FraudPattern.allCases` order).
    private let shiftedIncidentProbability: Double
    private let shiftedPatternChoice: AliasTable?

    private var labels = MinHeap<PendingLabel>()
    private var labelSequence: UInt64 = 0

    private var emitted = 0
    private var fraudDevices: UInt64 = 0

    /// Creates a generator; builds the card and merchant population from the seed.
    public init(_ config: GeneratorConfig) {
        let config = config.clamped()
        self.config = config
        var rng = Xoshiro256StarStar(seed: config.seed)
        population = Population(config, rng: &rng)
        self.rng = rng

        let meanIntensity = Self.hourlyIntensity.reduce(0, +) / Double(Self.hourlyIntensity.count)
        let ratePerMs = Double(config.cards) * config.transactionsPerCardPerDay / 86_400_000
        peakRate = ratePerMs * Self.peakIntensity / meanIntensity

        // The original four patterns always, in their order (so the draws of a stream without a device farm in
        // its mix are what they always were), plus the device farm when the mix gives it a weight.
        let patterns = FraudPattern.classic + (config.fraudMix.deviceFarm > 0 ? [.deviceFarm] : [])
        self.patterns = patterns
        let weights = patterns.map { config.fraudMix.weight($0) }
        (incidentProbability, patternChoice) = Self.incidents(patterns: patterns, weights: weights, rate: config.fraudRate)

        if let shift = config.shift {
            shiftAt = shift.at
            amountScale = shift.amountScale
            // After the shift: the mix scaled to 1 − share, and the share on the new pattern.
            let total = weights.reduce(0, +)
            let share = shift.newPattern == nil ? 0 : shift.newPatternShare
            var shifted = FraudPattern.allCases.map { p in
                total > 0 && patterns.contains(p) ? config.fraudMix.weight(p) / total * (1 - share) : 0
            }
            if let new = shift.newPattern, let i = FraudPattern.allCases.firstIndex(of: new) { shifted[i] += share }
            (shiftedIncidentProbability, shiftedPatternChoice) = Self.incidents(
                patterns: FraudPattern.allCases, weights: shifted,
                rate: Swift.min(0.5, config.fraudRate * shift.fraudRateScale))
        } else {
            shiftAt = .max
            amountScale = 1
            (shiftedIncidentProbability, shiftedPatternChoice) = (0, nil)
        }
    }

    /// The probability that an arrival slot starts an incident, and the table choosing its pattern, for a target
    /// fraud share `rate` and a mix of `patterns` with `weights`.
    private static func incidents(
        patterns: [FraudPattern], weights: [Double], rate: Double
    ) -> (probability: Double, choice: AliasTable?) {
        // Expected fraudulent (n) and legitimate (l) transactions per incident, to hit the target share s:
        // s = p·n / (1 − p + p·(n + l))  ⇒  p = s / (n − s·(n + l − 1)).
        let totalWeight = weights.reduce(0, +)
        guard totalWeight > 0 && rate > 0 else { return (0, nil) }
        var n = 0.0, l = 0.0
        for (pattern, w) in zip(patterns, weights) {
            let (fraud, legit) = expectedTransactions(pattern)
            n += w / totalWeight * fraud
            l += w / totalWeight * legit
        }
        return (Swift.min(1, rate / (n - rate * (n + l - 1))), AliasTable(weights: weights))
    }

    /// Expected (fraudulent, legitimate) transactions of one incident of `pattern`.
    private static func expectedTransactions(_ pattern: FraudPattern) -> (Double, Double) {
        switch pattern {
        case .cardTesting: (17.5, 0)  // 5...30
        case .largeAmount: (1, 0)
        case .impossibleTravel: (1, 1)  // the genuine purchase at home, then the fraud abroad
        case .accountTakeover: (4.5, 0)  // one probe + 2...5 purchases
        case .deviceFarm: (13, 0)  // 6...20 cards, one purchase each
        }
    }

    // MARK: - Iteration

    /// The next transaction and its ground truth, or `nil` after ``GeneratorConfig/eventCount`` transactions.
    public mutating func next() -> Element? {
        guard emitted < config.eventCount else { return nil }
        while true {
            let arrival: Int64
            if let a = nextArrival {
                arrival = a
            } else {
                arrival = drawArrival()
                nextArrival = arrival
            }
            if let top = scheduled.min, top.transaction.timestamp <= arrival {
                _ = scheduled.pop()
                return emit(top.transaction, top.truth)
            }
            nextArrival = nil
            let p = arrival >= shiftAt ? shiftedIncidentProbability : incidentProbability
            if p > 0 && rng.uniform() < p {
                startIncident(at: arrival)
                continue
            }
            return emit(legitimate(at: arrival), .legitimate)
        }
    }

    /// Labels that are available at `time` (`available_ts <= time`), in `available_ts` order; they are removed.
    public mutating func drainLabels(upTo time: Int64) -> [Label] {
        var out: [Label] = []
        while let top = labels.min, top.label.availableAt <= time {
            out.append(labels.pop()!.label)
        }
        return out
    }

    /// All labels not yet drained, in `available_ts` order; they are removed.
    public mutating func remainingLabels() -> [Label] {
        var out: [Label] = []
        out.reserveCapacity(labels.count)
        while let pending = labels.pop() { out.append(pending.label) }
        return out
    }

    /// The number of labels waiting to be drained.
    public var pendingLabelCount: Int { labels.count }

    /// The event time of the transaction at `index` (0-based) of the stream `config` describes without its shift,
    /// or `nil` when the stream is shorter. A shift at that time starts at that transaction: what comes before it
    /// is the same with or without the shift. Costs a pass over the first `index + 1` transactions.
    public static func eventTime(ofTransaction index: Int, in config: GeneratorConfig) -> Int64? {
        var config = config
        config.shift = nil
        config.eventCount = Swift.min(config.eventCount, index + 1)
        var generator = TransactionGenerator(config)
        var seen = 0
        while let (transaction, _) = generator.next() {
            if seen == index { return transaction.timestamp }
            seen += 1
        }
        return nil
    }

    private mutating func emit(_ transaction: Transaction, _ truth: GroundTruth) -> Element {
        var t = transaction
        t.txnID = Population.transactionID(UInt64(emitted))
        emitted += 1
        if config.outOfOrderFraction > 0 && rng.uniform() < config.outOfOrderFraction {
            let back = Int64(rng.uniform() * Double(config.maxLatenessMillis))
            t.timestamp = Swift.max(config.startTime, t.timestamp - back)
        }
        if let pattern = truth.pattern {
            let days = Swift.min(
                config.labelDelayRangeDays.upperBound,
                Swift.max(
                    config.labelDelayRangeDays.lowerBound,
                    rng.logNormal(median: config.labelDelayMedianDays, sigma: config.labelDelaySigma)))
            let delay = Swift.max(1, Int64(days * 86_400_000))
            pushLabel(Label(
                txnID: t.txnID, cardID: t.cardID, isFraud: true, fraudType: pattern.rawValue,
                eventTimestamp: t.timestamp, availableAt: t.timestamp + delay))
        } else if config.labelLegit {
            let delay = Swift.max(1, Int64(config.legitLabelDelayDays * 86_400_000))
            pushLabel(Label(
                txnID: t.txnID, cardID: t.cardID, isFraud: false, fraudType: nil, eventTimestamp: t.timestamp,
                availableAt: t.timestamp + delay))
        }
        return (t, truth)
    }

    private mutating func pushLabel(_ label: Label) {
        labels.push(PendingLabel(label: label, sequence: labelSequence))
        labelSequence += 1
    }

    /// Advances the clock to the next legitimate arrival: a Poisson process thinned by the hour-of-day intensity
    /// (UTC hours, one global daily cycle).
    private mutating func drawArrival() -> Int64 {
        while true {
            clock += rng.exponential(mean: 1 / peakRate)
            let ts = config.startTime + Int64(clock)
            let hour = Int((ts / 3_600_000) % 24)
            if rng.uniform() * Self.peakIntensity < Self.hourlyIntensity[hour] { return ts }
        }
    }

    private mutating func schedule(_ transaction: Transaction, _ truth: GroundTruth) {
        scheduled.push(ScheduledTransaction(transaction: transaction, truth: truth, sequence: scheduleSequence))
        scheduleSequence += 1
    }

    // MARK: - Legitimate behaviour

    private mutating func legitimate(at ts: Int64) -> Transaction {
        let card = population.cardActivity.sample(&rng)
        let home = Int(population.cardHome[card])
        let u = rng.uniform()
        if u < 0.04 {
            return atmWithdrawal(card: card, country: home, at: ts)
        }
        if u < 0.04 + population.cardEcomShare[card] {
            let category = population.onlineCategories[population.onlineCategory.sample(&rng)]
            let country = rng.chance(0.75) ? home : population.countryChoice.sample(&rng)
            let merchant = population.merchant(category: category, country: country, rng: &rng)
            let device = knownDevice(card)
            return purchase(
                card: card, merchant: merchant, usd: usualAmount(card: card, category: category), channel: .ecom,
                entryMode: .online, device: device, at: ts)
        }
        let category = population.cardPresentCategories[population.cardPresentCategory.sample(&rng)]
        // Now and then a genuine purchase abroad (travel), so "foreign" alone is not fraud.
        let country = rng.chance(0.01) ? population.countryChoice.sample(&rng) : home
        let merchant = population.merchant(category: category, country: country, rng: &rng)
        return purchase(
            card: card, merchant: merchant, usd: usualAmount(card: card, category: category), channel: .pos,
            entryMode: presentEntryMode(), device: nil, at: ts)
    }

    private mutating func atmWithdrawal(card: Int, country: Int, at ts: Int64) -> Transaction {
        let merchant = population.merchant(category: Population.atm, country: country, rng: &rng)
        let steps: [Double] = [20, 40, 60, 80, 100, 100, 200, 200, 300, 500]
        let usd = steps[rng.int(below: steps.count)]
        return purchase(
            card: card, merchant: merchant, usd: usd, channel: .atm, entryMode: rng.chance(0.95) ? .chip : .swipe,
            device: nil, at: ts, round: true)
    }

    private mutating func presentEntryMode() -> EntryMode {
        let u = rng.uniform()
        return u < 0.45 ? .chip : u < 0.85 ? .contactless : u < 0.95 ? .swipe : .manual
    }

    private mutating func knownDevice(_ card: Int) -> String {
        let k = population.cardDeviceCount[card] == 2 && rng.chance(0.3) ? 1 : 0
        return population.deviceIDs[2 * card + k]
    }

    /// The card's usual ticket at a category, in US dollars.
    private mutating func usualAmount(card: Int, category: Int) -> Double {
        let c = Population.categories[category]
        return Swift.max(0.5, population.cardScale[card] * rng.logNormal(median: c.medianUSD, sigma: c.sigma))
    }

    /// A transaction at `merchant`, with the amount converted to the merchant country's currency.
    private func purchase(
        card: Int, merchant: Int, usd: Double, channel: Channel, entryMode: EntryMode, device: String?, at ts: Int64,
        round: Bool = false
    ) -> Transaction {
        let country = Population.countries[Int(population.merchantCountry[merchant])]
        let local = (ts >= shiftAt ? usd * amountScale : usd) * country.perUSD
        let amount: Double
        if round {
            amount = Swift.max(10, DeterministicMath.round(local / 10) * 10)
        } else if country.hasCents {
            amount = Swift.max(0.01, DeterministicMath.round(local * 100) / 100)
        } else {
            amount = Swift.max(1, DeterministicMath.round(local))
        }
        return Transaction(
            txnID: "", cardID: population.cardIDs[card], merchantID: population.merchantIDs[merchant],
            amount: amount, currency: country.currency, country: country.code,
            mcc: Population.categories[Int(population.merchantCategory[merchant])].mcc, channel: channel,
            entryMode: entryMode, deviceID: device, timestamp: ts)
    }

    // MARK: - Fraud

    private mutating func newFraudDevice() -> String {
        fraudDevices += 1
        return Population.id("devx_", fraudDevices, width: 8)
    }

    private mutating func startIncident(at ts: Int64) {
        let pattern: FraudPattern
        if ts >= shiftAt {
            guard let choice = shiftedPatternChoice else { return }
            pattern = FraudPattern.allCases[choice.sample(&rng)]
        } else {
            guard let choice = patternChoice else { return }
            pattern = patterns[choice.sample(&rng)]
        }
        // Fraudsters do not pick cards by how active they are.
        let card = rng.int(below: population.cardIDs.count)
        let home = Int(population.cardHome[card])
        let truth = GroundTruth(pattern: pattern)
        switch pattern {
        case .cardTesting:
            let device = newFraudDevice()
            let count = rng.int(in: 5...30)
            let sameMerchant = rng.chance(0.6)
            var merchant = testingMerchant()
            var t = ts
            for i in 0..<count {
                if i > 0 {
                    t += Int64(rng.uniform(3_000, 40_000))
                    if !sameMerchant { merchant = testingMerchant() }
                }
                var txn = purchase(
                    card: card, merchant: merchant, usd: 1, channel: .ecom, entryMode: .online, device: device, at: t)
                // Tiny amounts in the merchant's own currency units: 0.50 ... 3.00.
                let hasCents = Population.countries[Int(population.merchantCountry[merchant])].hasCents
                let units = rng.uniform(0.5, 3.0) * (t >= shiftAt ? amountScale : 1)
                txn.amount = hasCents ? DeterministicMath.round(units * 100) / 100 : Swift.max(1, DeterministicMath.round(units))
                schedule(txn, truth)
            }
        case .largeAmount:
            let category = rng.chance(0.6) ? Population.electronics : Population.jewellery
            let usual = 50 * population.cardScale[card]
            let usd = Swift.max(500, usual * rng.uniform(8, 30))
            if rng.chance(0.35) {
                let merchant = population.merchant(category: category, country: home, rng: &rng)
                schedule(
                    purchase(card: card, merchant: merchant, usd: usd, channel: .ecom, entryMode: .online,
                             device: newFraudDevice(), at: ts),
                    truth)
            } else {
                let merchant = population.merchant(category: category, country: home, rng: &rng)
                let u = rng.uniform()
                let mode: EntryMode = u < 0.5 ? .swipe : u < 0.8 ? .chip : .contactless
                schedule(
                    purchase(card: card, merchant: merchant, usd: usd, channel: .pos, entryMode: mode, device: nil,
                             at: ts),
                    truth)
            }
        case .impossibleTravel:
            let homeCategory = [Population.grocery, Population.gas, Population.restaurants][rng.int(below: 3)]
            let first = population.merchant(category: homeCategory, country: home, rng: &rng)
            schedule(
                purchase(card: card, merchant: first, usd: usualAmount(card: card, category: homeCategory),
                         channel: .pos, entryMode: presentEntryMode(), device: nil, at: ts),
                .legitimate)
            let abroad = distantCountry(from: home)
            let category = [Population.electronics, Population.jewellery, Population.department, Population.grocery][
                rng.int(below: 4)]
            let merchant = population.merchant(category: category, country: abroad, rng: &rng)
            let later = ts + Int64(rng.uniform(5, 55) * 60_000)
            let u = rng.uniform()
            let mode: EntryMode = u < 0.6 ? .swipe : u < 0.85 ? .chip : .contactless
            schedule(
                purchase(card: card, merchant: merchant, usd: Swift.max(80, usualAmount(card: card, category: category) * 2),
                         channel: .pos, entryMode: mode, device: nil, at: later),
                truth)
        case .accountTakeover:
            let device = newFraudDevice()
            let probeCategory = rng.chance(0.5) ? Population.onlineRetail : Population.digitalMedia
            let probe = population.merchant(category: probeCategory, country: home, rng: &rng)
            schedule(
                purchase(card: card, merchant: probe, usd: rng.uniform(5, 40), channel: .ecom, entryMode: .online,
                         device: device, at: ts),
                truth)
            var t = ts
            for _ in 0..<rng.int(in: 2...5) {
                t += Int64(rng.uniform(2, 45) * 60_000)
                let category = [Population.electronics, Population.onlineRetail, Population.digitalMedia,
                                Population.airlines][rng.int(below: 4)]
                let country = rng.chance(0.7) ? home : population.countryChoice.sample(&rng)
                let merchant = population.merchant(category: category, country: country, rng: &rng)
                schedule(
                    purchase(card: card, merchant: merchant, usd: rng.logNormal(median: 900, sigma: 0.5),
                             channel: .ecom, entryMode: .online, device: device, at: t),
                    truth)
            }
        case .deviceFarm:
            // One device, many stolen cards: a mid-size online purchase per card, spread over hours (so the
            // device's hourly count stays ordinary), at merchants of one country far from the first card's home.
            let device = newFraudDevice()
            let country = distantCountry(from: home)
            var t = ts
            for i in 0..<rng.int(in: 6...20) {
                let victim = i == 0 ? card : rng.int(below: population.cardIDs.count)
                if i > 0 { t += Int64(rng.uniform(10, 50) * 60_000) }
                let category = [Population.onlineRetail, Population.electronics, Population.digitalGames][
                    rng.int(below: 3)]
                let merchant = population.merchant(category: category, country: country, rng: &rng)
                let usd = usualAmount(card: victim, category: category) * rng.uniform(1, 2)
                schedule(
                    purchase(card: victim, merchant: merchant, usd: usd, channel: .ecom, entryMode: .online,
                             device: device, at: t),
                    truth)
            }
        }
    }

    /// A digital-goods merchant most of the time, else online retail, anywhere in the world.
    private mutating func testingMerchant() -> Int {
        let u = rng.uniform()
        let category = u < 0.4 ? Population.digitalMedia : u < 0.7 ? Population.digitalGames : Population.onlineRetail
        return population.merchant(category: category, country: population.countryChoice.sample(&rng), rng: &rng)
    }

    /// A country in another region than `home` that has merchants.
    private mutating func distantCountry(from home: Int) -> Int {
        let region = Population.countries[home].region
        let candidates = Population.countries.indices.filter {
            Population.countries[$0].region != region && !population.byCountry[$0].isEmpty
        }
        guard !candidates.isEmpty else { return home == 0 ? 1 : 0 }
        return candidates[rng.int(below: candidates.count)]
    }
}

/// A transaction a fraud incident scheduled for later, ordered by timestamp, then by scheduling order.
struct ScheduledTransaction: Comparable, Sendable {
    var transaction: Transaction
    var truth: GroundTruth
    var sequence: UInt64

    static func < (a: Self, b: Self) -> Bool {
        (a.transaction.timestamp, a.sequence) < (b.transaction.timestamp, b.sequence)
    }

    static func == (a: Self, b: Self) -> Bool { a.sequence == b.sequence }
}

/// A label waiting for its `available_ts`, ordered by it, then by creation order.
struct PendingLabel: Comparable, Sendable {
    var label: Label
    var sequence: UInt64

    static func < (a: Self, b: Self) -> Bool {
        (a.label.availableAt, a.sequence) < (b.label.availableAt, b.sequence)
    }

    static func == (a: Self, b: Self) -> Bool { a.sequence == b.sequence }
}

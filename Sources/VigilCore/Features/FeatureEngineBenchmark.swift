/// A self-contained throughput check of ``FeatureEngine`` on a realistic card stage: 16 per-event features (exact
/// 1 h and 24 h windows, tiled 7 d and 30 d windows, distinct counts, z-score, first_seen, time_since_last, ratios)
/// and one session feature, over generated transactions (``TransactionGenerator``), one ``KeyState`` per card in a
/// dictionary. The runtime's bench and the tests call it; it measures the engine alone (no decoding, no store).
public enum FeatureEngineBenchmark {
    /// What one run measured.
    public struct Measurement: Sendable {
        /// Events applied.
        public var events: Int
        /// Per-event features per event.
        public var featuresPerEvent: Int
        /// Wall time of the apply loop (including the per-card dictionary lookups and window closing), seconds.
        public var seconds: Double
        /// Window results emitted.
        public var windowResults: Int
        /// Sum of the encoded sizes of all key states at the end, bytes.
        public var stateBytes: Int
        /// Key states at the end.
        public var keys: Int
        /// Time to encode every key state once, seconds.
        public var encodeSeconds: Double
        /// Time to decode every key state once, seconds.
        public var decodeSeconds: Double
        /// A checksum of every value produced (to compare runs and keep the work from being optimised away).
        public var checksum: UInt64

        /// Events per second.
        public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// A windowed aggregate feature, for the lists below.
    private static func f(
        _ name: String, _ a: Aggregation, _ field: String?, _ w: Window, current: Bool = false
    ) -> FeatureSpec {
        FeatureSpec(name: name, kind: .aggregate(a, field: field, window: w), includeCurrent: current)
    }

    /// The card stage's features, on ``EventSchema/transactionV1``.
    public static let cardFeatures: [FeatureSpec] = {
        let hour: Int64 = 3_600_000
        let day = 24 * hour
        return [
            f("card_txn_count_1h", .count, nil, .trailing(millis: hour, tileMillis: nil)),
            f("card_amount_sum_1h", .sum, "amount", .trailing(millis: hour, tileMillis: nil)),
            f("card_txn_count_24h", .count, nil, .trailing(millis: day, tileMillis: nil)),
            f("card_amount_sum_24h", .sum, "amount", .trailing(millis: day, tileMillis: nil)),
            f("card_amount_max_24h", .max, "amount", .trailing(millis: day, tileMillis: nil)),
            f("card_merchants_24h", .distinctCount, "merchant_id", .trailing(millis: day, tileMillis: nil)),
            f("card_countries_7d", .distinctCount, "country", .trailing(millis: 7 * day, tileMillis: hour)),
            f("card_since_last", .timeSinceLast, nil, .trailing(millis: 30 * day, tileMillis: day)),
            f("card_amount_z_30d", .zScore, "amount", .trailing(millis: 30 * day, tileMillis: day)),
            f("card_amount_mean_30d", .mean, "amount", .trailing(millis: 30 * day, tileMillis: day)),
            f("card_amount_std_30d", .stddev, "amount", .trailing(millis: 30 * day, tileMillis: day)),
            f("card_txn_count_30d", .count, nil, .trailing(millis: 30 * day, tileMillis: day)),
            f("card_new_merchant_30d", .firstSeen, "merchant_id", .trailing(millis: 30 * day, tileMillis: nil)),
            f("card_new_country_30d", .firstSeen, "country", .trailing(millis: 30 * day, tileMillis: day)),
            FeatureSpec(name: "card_amount_1h_vs_30d", kind: .ratio(numerator: "card_amount_sum_1h", denominator: "card_amount_mean_30d")),
            FeatureSpec(name: "card_count_1h_vs_24h", kind: .ratio(numerator: "card_txn_count_1h", denominator: "card_txn_count_24h")),
            f("card_session_spend", .sum, "amount", .session(gapMillis: 30 * 60_000)),
        ]
    }()

    /// A merchant stage's features (busy keys: long exact windows, many distinct cards, hopping windows).
    public static let merchantFeatures: [FeatureSpec] = {
        let hour: Int64 = 3_600_000
        let day = 24 * hour
        return [
            f("merchant_txn_count_1h", .count, nil, .trailing(millis: hour, tileMillis: nil)),
            f("merchant_amount_sum_1h", .sum, "amount", .trailing(millis: hour, tileMillis: nil)),
            f("merchant_cards_1h", .distinctCount, "card_id", .trailing(millis: hour, tileMillis: nil)),
            f("merchant_amount_max_1h", .max, "amount", .trailing(millis: hour, tileMillis: nil)),
            f("merchant_since_last", .timeSinceLast, nil, .trailing(millis: hour, tileMillis: nil)),
            f("merchant_cards_24h", .distinctCount, "card_id", .trailing(millis: day, tileMillis: hour)),
            f("merchant_amount_mean_7d", .mean, "amount", .trailing(millis: 7 * day, tileMillis: hour)),
            f("merchant_amount_z_7d", .zScore, "amount", .trailing(millis: 7 * day, tileMillis: hour)),
            f("merchant_amount_max_7d", .max, "amount", .trailing(millis: 7 * day, tileMillis: hour)),
            f("merchant_txn_count_30d", .count, nil, .trailing(millis: 30 * day, tileMillis: day)),
            f("merchant_new_card_30d", .firstSeen, "card_id", .trailing(millis: 30 * day, tileMillis: nil)),
            f("merchant_countries_30d", .distinctCount, "country", .trailing(millis: 30 * day, tileMillis: day)),
            FeatureSpec(name: "merchant_count_1h_vs_30d", kind: .ratio(numerator: "merchant_txn_count_1h", denominator: "merchant_txn_count_30d")),
            f("merchant_hourly_sum", .sum, "amount", .tumbling(sizeMillis: hour)),
            f("merchant_count_1h_every_5m", .count, nil, .hopping(sizeMillis: hour, advanceMillis: 5 * 60_000)),
        ]
    }()

    /// Which stage a run measures.
    public enum Stage: Sendable {
        /// ``cardFeatures`` keyed by card: many keys, a few events a day each.
        case card
        /// ``merchantFeatures`` keyed by merchant: few, busy keys.
        case merchant
    }

    /// A transaction as a record of ``EventSchema/transactionV1``.
    public static func record(_ t: Transaction) -> Record {
        Record(
            values: [
                .string(t.txnID), .string(t.cardID), .string(t.merchantID), .decimal(units: FixedPoint.units(t.amount)),
                .string(t.currency), .string(t.country), .int(Int64(t.mcc)), .string(t.channel.rawValue),
                .string(t.entryMode.rawValue), t.deviceID.map { .string($0) } ?? .missing, .int(t.timestamp),
            ],
            timestamp: t.timestamp)
    }

    /// Generates `events` transactions over `cards` cards and `merchants` merchants (with some disorder) and applies
    /// them to `stage`.
    public static func run(
        events: Int, stage: Stage = .card, cards: Int = 5_000, merchants: Int = 1_000, seed: UInt64 = 7
    ) throws(FeatureEngineError) -> Measurement {
        var config = GeneratorConfig()
        config.seed = seed
        config.cards = cards
        config.merchants = merchants
        config.eventCount = events
        config.outOfOrderFraction = 0.01
        config.maxLatenessMillis = 60_000
        var generator = TransactionGenerator(config)
        var records: [Record] = []
        records.reserveCapacity(events)
        while let (t, _) = generator.next() { records.append(record(t)) }

        let engine = try FeatureEngine(
            schema: .transactionV1, features: stage == .card ? cardFeatures : merchantFeatures, graceMillis: 600_000)
        let keyField = EventSchema.transactionV1.index(of: stage == .card ? "card_id" : "merchant_id")!
        var states: [String: KeyState] = [:]
        var values: [FeatureValue] = []
        var results: [FeatureEngine.WindowResult] = []
        var checksum: UInt64 = 0
        var streamTime = Int64.min
        var windowResults = 0
        var applied = 0
        let clock = ContinuousClock()
        let start = clock.now
        /// One event of one key: apply, and fire the key's timer when due (the runtime keeps a timer index).
        func process(_ r: Record, _ state: inout KeyState, _ w: Int64) {
            engine.apply(r, key: &state, watermark: w, upstream: [], into: &values)
            applied += 1
            for v in values {
                switch v {
                case .missing: checksum = checksum &* 31 &+ 1
                case .int(let i): checksum = checksum &* 31 &+ UInt64(bitPattern: i)
                case .decimal(let u): checksum = checksum &* 31 &+ UInt64(bitPattern: u)
                case .double(let d): checksum = checksum &* 31 &+ d.bitPattern
                }
            }
            if state.nextTimer <= w {
                results.removeAll(keepingCapacity: true)
                engine.closeWindows(&state, watermark: w, into: &results)
                windowResults += results.count
            }
        }
        for r in records {
            guard case .string(let key) = r.values[keyField] else { continue }
            let watermark = streamTime == .min ? .min : streamTime &- engine.graceMillis
            if r.timestamp < watermark { continue }
            streamTime = Swift.max(streamTime, r.timestamp)
            process(r, &states[key, default: KeyState()], streamTime &- engine.graceMillis)
        }
        let elapsed = clock.now - start
        // Encoding as the runtime does it: into one reused buffer, each key's bytes then copied out.
        var encoded: [[UInt8]] = []
        encoded.reserveCapacity(states.count)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        let encodeStart = clock.now
        for state in states.values {
            buffer.removeAll(keepingCapacity: true)
            state.encode(into: &buffer)
            encoded.append(buffer)
        }
        let encodeElapsed = clock.now - encodeStart
        let decodeStart = clock.now
        var decodedKeys = 0
        for bytes in encoded {
            let state = try KeyState(decoding: bytes, engine: engine)
            if state.newestTimestamp != .min { decodedKeys += 1 }
        }
        let decodeElapsed = clock.now - decodeStart
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        return Measurement(
            events: applied, featuresPerEvent: engine.perEventFeatures.count, seconds: seconds(elapsed),
            windowResults: windowResults, stateBytes: encoded.reduce(0) { $0 + $1.count }, keys: decodedKeys,
            encodeSeconds: seconds(encodeElapsed), decodeSeconds: seconds(decodeElapsed), checksum: checksum)
    }
}

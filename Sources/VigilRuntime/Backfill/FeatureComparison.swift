import Foundation
public import Logging
import VigilCore
import VigilKafka

/// Online/offline consistency (`vigil backfill --compare`): the backfilled feature events against those served
/// live, matched by `txn_id` (by `event_id` when events have no txn id). Per feature: the share of matched events
/// whose backfilled value equals the live one (as text, so `1.5` and `1.50` would differ — both come from the same
/// encoder), and the mean relative error of the others; rows missing from the backfill or extra in it; the first
/// differences. Chronon reports the same figures.
public struct FeatureComparison: Sendable {
    public struct FeatureResult: Sendable {
        public var name: String
        public var equal = 0
        public var compared = 0
        /// Mean of |backfill − live| / max(|live|, 1e-9) over the unequal pairs that are both numbers.
        public var meanRelativeError = 0.0
        var errorSum = 0.0
        var errorCount = 0

        /// The share of matched events whose values are equal.
        public var equalShare: Double { compared > 0 ? Double(equal) / Double(compared) : 1 }
    }

    public struct Difference: Sendable {
        public var id: String
        public var feature: String
        public var live: String
        public var backfill: String
    }

    public struct Result: Sendable {
        public var liveEvents = 0
        public var backfillEvents = 0
        public var matched = 0
        /// Live events the backfill has no row for.
        public var missing = 0
        /// Backfilled events nothing was served for live.
        public var extra = 0
        public var features: [FeatureResult] = []
        public var firstDifferences: [Difference] = []

        /// Whether every live event has a backfilled row with identical values, and nothing extra.
        public var identical: Bool {
            missing == 0 && extra == 0 && features.allSatisfy { $0.equal == $0.compared }
        }
    }

    /// Live feature events by id, as the values' text in name order.
    private var live: [String: [String: String]] = [:]
    private var seen: Set<String> = []
    private var result = Result()
    private var byName: [String: Int] = [:]
    private let reader = FeatureEventReader()

    /// Reads the live feature events from a topic (`sinks.features`) or a JSON Lines file of them.
    public init(live source: SourceReader.Source, featureNames: [String], logger: Logger) throws {
        for (i, name) in featureNames.enumerated() {
            byName[name] = i
            result.features.append(FeatureResult(name: name))
        }
        func add(_ bytes: [UInt8]) {
            guard let event = try? reader.read(bytes) else { return }
            var values: [String: String] = [:]
            for (name, value) in event.features { values[name] = value }
            live[Self.id(event)] = values
        }
        switch source {
        case .file(let path):
            guard let lines = LineReader(path: path) else { throw RuntimeError.startup("cannot read \(path)") }
            while let line = lines.next() {
                if !line.isEmpty { add(line) }
            }
        case .topic(let name, let bootstrap, let properties):
            for message in try TopicReader.readAll(
                topic: name, bootstrapServers: bootstrap, properties: properties, logger: logger)
            {
                if let value = message.value { add(value) }
            }
        }
        result.liveEvents = live.count
    }

    static func id(_ event: FeatureEventReader.Event) -> String {
        event.txnID ?? event.eventID
    }

    /// Compares one backfilled feature event.
    mutating func add(_ event: FeatureEventReader.Event) {
        let id = Self.id(event)
        result.backfillEvents += 1
        guard let values = live[id], seen.insert(id).inserted else {
            if live[id] == nil { result.extra += 1 }
            return
        }
        result.matched += 1
        for (name, value) in event.features {
            guard let i = byName[name] else { continue }
            let online = values[name] ?? "null"
            result.features[i].compared += 1
            if online == value {
                result.features[i].equal += 1
                continue
            }
            if let a = Double(online), let b = Double(value) {
                result.features[i].errorSum += abs(b - a) / max(abs(a), 1e-9)
                result.features[i].errorCount += 1
            }
            if result.firstDifferences.count < 10 {
                result.firstDifferences.append(Difference(id: id, feature: name, live: online, backfill: value))
            }
        }
    }

    /// The figures, once every backfilled event was added.
    func finish() -> Result {
        var r = result
        r.missing = live.count - r.matched
        for i in r.features.indices where r.features[i].errorCount > 0 {
            r.features[i].meanRelativeError = r.features[i].errorSum / Double(r.features[i].errorCount)
        }
        return r
    }
}

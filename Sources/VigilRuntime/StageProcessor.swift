import VigilCore
import VigilKafka
public import VigilTopology

/// Turns one input record of a stage into its outputs: decode → key → lateness → features (FeatureEngine) → the
/// next stage's repartition topic or, after the last stage, the feature event; dead letters for input that cannot be
/// decoded, late events to the late topic, and window results when the watermark closes windows.
///
/// The one code path for live processing, replay, backfill and the test driver: it does not know which of them
/// calls it. Not thread-safe: one per task (it reuses buffers).
public struct StageProcessor {
    public let topology: Topology
    public let stageIndex: Int
    public let stage: Topology.Stage
    let engine: FeatureEngine
    var decoder: SchemaDecoder
    let featureEncoder: FeatureEventEncoder?
    let windowEncoder: WindowEventEncoder
    /// The constant parts of each windowed feature's window events (by `WindowResult.featureIndex`).
    let windowFragments: [WindowEventEncoder.Fragments]
    /// The envelope layout this stage expects (from the previous stage) and the one it writes.
    let inputLayout: UInt64
    let outputLayout: UInt64
    let nextStage: Topology.Stage?
    let idField: Int?
    var values: [FeatureValue] = []
    /// The decoder's missing counts at the last `prepare`, to tell which fields the last event missed.
    var seenMissing: [Int64] = []
    var appliedDecoded: Int64 = 0
    var appliedMissing: [Int64] = []
    var allValues: [FeatureValue] = []
    var allKeys: [String?] = []
    var windowResults: [FeatureEngine.WindowResult] = []
    var writer = JSONByteWriter(capacity: 512)
    var buffer: [UInt8] = []
    var keyBytes: [UInt8] = []
    /// The score and alert steps, in the last stage of a topology with a `scoring:` section.
    var scoring: ScoringStep?

    /// - Parameter models: the topology's models; required for the last stage when the topology has a `scoring:`
    ///   section (a topology that scores never runs without its models).
    public init(topology: Topology, stageIndex: Int, models: ModelRegistry? = nil) throws {
        self.topology = topology
        self.stageIndex = stageIndex
        stage = topology.stages[stageIndex]
        let upstream = topology.stages[..<stageIndex].flatMap { Self.perEventNames($0) }
        engine = try FeatureEngine(
            schema: topology.source.schema, features: stage.features, graceMillis: topology.graceMillis,
            distinctExactLimit: topology.distinctExactLimit, upstreamFeatureNames: upstream)
        decoder = SchemaDecoder(
            schema: topology.source.schema, readingTextOf: Self.fieldsRead(topology, stageIndex: stageIndex))
        let isLast = stageIndex == topology.stages.count - 1
        nextStage = isLast ? nil : topology.stages[stageIndex + 1]
        featureEncoder = isLast
            ? FeatureEventEncoder(
                topology: topology.name, stageNames: topology.stages.map(\.name),
                featureNames: topology.stages.flatMap { Self.perEventNames($0) })
            : nil
        windowEncoder = WindowEventEncoder(topology: topology.name, stage: stage.name)
        windowFragments = engine.windowedFeatures.map { [windowEncoder] in
            windowEncoder.fragments(feature: $0.name, kind: Self.kindName($0))
        }
        inputLayout = Self.layout(topology, upTo: stageIndex)
        outputLayout = Self.layout(topology, upTo: stageIndex + 1)
        idField = topology.source.schema.fields.firstIndex { $0.name == "txn_id" && $0.type == .string }
        if isLast, topology.scoring != nil {
            guard let models else {
                throw RuntimeError.startup("topology \(topology.name) scores with a model, but no models were loaded for its last stage")
            }
            scoring = ScoringStep(topology: topology, registry: models)
        }
    }

    /// The schema fields a stage reads from its records: its key, the next stage's key, the fields its features
    /// name, and after the last stage the event id and the fields the alert rules test.
    static func fieldsRead(_ topology: Topology, stageIndex: Int) -> Set<Int> {
        let schema = topology.source.schema
        let stage = topology.stages[stageIndex]
        var fields: Set<Int> = [stage.keyField]
        if stageIndex + 1 < topology.stages.count {
            fields.insert(topology.stages[stageIndex + 1].keyField)
        } else {
            if let id = schema.fields.firstIndex(where: { $0.name == "txn_id" && $0.type == .string }) { fields.insert(id) }
            for rule in topology.scoring?.alerts ?? [] {
                for condition in rule.when + rule.unless {
                    if case .field(_, let i) = condition.subject { fields.insert(i) }
                }
            }
        }
        for feature in stage.features {
            if case .aggregate(_, let name?, _) = feature.kind,
               let i = schema.fields.firstIndex(where: { $0.name == name }) {
                fields.insert(i)
            }
        }
        return fields
    }

    /// 3000-01-01T00:00:00Z in epoch milliseconds: event times beyond it are refused as implausible.
    static let latestPlausibleTimestamp: Int64 = 32_503_680_000_000

    /// The names of a stage's per-event features, in output order.
    static func perEventNames(_ stage: Topology.Stage) -> [String] {
        stage.features.filter(\.isPerEvent).map(\.name)
    }

    /// The layout id of envelopes leaving stage `count − 1`: the topology's name, stages and per-event features
    /// before stage `count`.
    static func layout(_ topology: Topology, upTo count: Int) -> UInt64 {
        var text = topology.name
        for stage in topology.stages.prefix(count) {
            text += "|\(stage.name):\(stage.key):" + perEventNames(stage).joined(separator: ",")
        }
        return RepartitionEnvelope.layoutHash(text)
    }

    /// What a task's store must have been built for: a store keyed by another field is refused.
    public static func fingerprint(of topology: Topology, stageIndex: Int) -> String {
        let stage = topology.stages[stageIndex]
        return "v2 stage=\(stage.name) key=\(stage.key)"
    }

    /// The string form of a key field's value; nil when the event has none.
    static func keyString(_ value: FieldValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let v): String(v)
        case .bool(let b): b ? "true" : "false"
        case .decimal(let units):
            {
                var w = JSONByteWriter(capacity: 24)
                w.decimal(units: units)
                return String(decoding: w.bytes, as: UTF8.self)
            }()
        case .missing: nil
        }
    }

    /// A record decoded and ready to apply: what `prepare` found, so that a stream thread can order records of
    /// several partitions by event time before applying them.
    struct Prepared {
        var message: KafkaMessage
        var source: SourceCoordinates
        /// The Kafka timestamp of the source record (epoch ms), when known: the start of the prediction latency.
        var sourceTimestamp: Int64?
        var outcome: Outcome
        /// Bit i: schema field i was absent or null in the source event (stage 0, first 64 fields).
        var missing: UInt64 = 0

        enum Outcome {
            case deadLetter(kind: String, reason: String)
            case record(Record, event: ArraySlice<UInt8>, keys: [String?], values: [FeatureValue])
        }

        /// The event time, or nil for a record that goes to the dead-letter topic.
        var eventTime: Int64? {
            if case .record(let r, _, _, _) = outcome { r.timestamp } else { nil }
        }
    }

    /// Decodes one record (the source event, or the envelope and its event at a later stage).
    mutating func prepare(_ message: KafkaMessage) -> Prepared {
        var source = coordinates(message)
        guard let value = message.value else {
            return Prepared(message: message, source: source, outcome: .deadLetter(
                kind: "empty", reason: "the record has no value (a tombstone)"))
        }
        if stageIndex == 0 {
            do {
                let record = try decoder.decode(value)
                if record.timestamp > Self.latestPlausibleTimestamp {
                    // A clock in microseconds or nanoseconds would move the partition's stream time centuries ahead
                    // and make every later event late: refuse it instead.
                    return Prepared(message: message, source: source, outcome: .deadLetter(
                        kind: "invalid_value",
                        reason: "field \"\(topology.source.schema.fields[topology.source.schema.timestampField].name)\": event time \(record.timestamp) is after the year 3000 (expected epoch milliseconds; microseconds?)"))
                }
                var missing: UInt64 = 0
                let counts = decoder.missingCounts
                if seenMissing.count != counts.count { seenMissing = counts.map { _ in 0 } }
                for i in 0..<min(64, counts.count) where counts[i] != seenMissing[i] {
                    missing |= 1 << UInt64(i)
                    seenMissing[i] = counts[i]
                }
                return Prepared(
                    message: message, source: source, sourceTimestamp: message.timestamp,
                    outcome: .record(record, event: value[...], keys: [], values: []), missing: missing)
            } catch let error {
                return Prepared(message: message, source: source, outcome: .deadLetter(kind: "\(error.kind)", reason: error.reason))
            }
        }
        let envelope: RepartitionEnvelope
        switch RepartitionEnvelope.decode(value) {
        case .success(let e): envelope = e
        case .failure(let error):
            return Prepared(message: message, source: source, outcome: .deadLetter(kind: "\(error.kind)", reason: error.reason))
        }
        guard envelope.layout == inputLayout, envelope.keys.count == stageIndex else {
            return Prepared(message: message, source: source, outcome: .deadLetter(
                kind: "layout",
                reason: "the record was written by another version of topology \(topology.name) (its stages or features differ); reprocess it from the source topic"))
        }
        source = envelope.source
        do {
            // The event is a slice of the envelope: decoded in place, not copied out.
            let result = envelope.eventBytes.withUnsafeBytes { raw in
                Result { () throws(DecodeError) -> Record in try decoder.decode(raw) }
            }
            let record = try result.get()
            return Prepared(message: message, source: source, sourceTimestamp: envelope.sourceTimestamp, outcome: .record(
                record, event: envelope.eventBytes, keys: envelope.keys, values: envelope.values))
        } catch let error {
            return Prepared(message: message, source: source, outcome: .deadLetter(kind: "\(error.kind)", reason: error.reason))
        }
    }

    /// Processes one record, sending its outputs to `sink`.
    mutating func process(
        _ message: KafkaMessage, store: PartitionStore, clock: inout StreamClock, timers: inout TimerQueue,
        sink: any RecordSink, counts: inout BatchCounts
    ) throws {
        let prepared = prepare(message)
        try apply(prepared, store: store, clock: &clock, timers: &timers, sink: sink, counts: &counts)
    }

    /// Applies a prepared record: lateness, features, outputs, and the windows its event time closes.
    mutating func apply(
        _ prepared: Prepared, store: PartitionStore, clock: inout StreamClock, timers: inout TimerQueue,
        sink: any RecordSink, counts: inout BatchCounts
    ) throws {
        if stageIndex == 0 { counts.eventsIn += 1 }
        let message = prepared.message
        let source = prepared.source
        let record: Record
        let event: ArraySlice<UInt8>
        switch prepared.outcome {
        case .deadLetter(let kind, let reason):
            try deadLetter(message, source: source, kind: kind, reason: reason, sink: sink)
            counts.deadLettered += 1
            return
        case .record(let r, let e, let keys, let upstream):
            if stageIndex == 0 {
                appliedDecoded += 1
                if appliedMissing.count != decoder.schema.fields.count {
                    appliedMissing = Array(repeating: 0, count: decoder.schema.fields.count)
                }
                var bits = prepared.missing
                while bits != 0 {
                    let i = bits.trailingZeroBitCount
                    appliedMissing[i] += 1
                    bits &= bits - 1
                }
            }
            record = r
            event = e
            allKeys.removeAll(keepingCapacity: true)
            allValues.removeAll(keepingCapacity: true)
            allKeys.append(contentsOf: keys)
            allValues.append(contentsOf: upstream)
        }
        let key = Self.keyString(record.values[stage.keyField])
        if let key {
            let t = record.timestamp
            if clock.streamTime != .min, t < clock.streamTime &- topology.graceMillis {
                let behind = clock.streamTime &- t
                let reason = "late event: \(behind) ms behind the stream time of \(message.topic)[\(message.partition)] in stage \(stage.name), beyond the grace period of \(topology.graceMillis) ms"
                let headers = DeadLetter.headers(
                    kind: "late", reason: reason, source: source, topology: topology.name, stage: stage.name)
                try sink.send(topic: topology.sinks.late, key: Array(key.utf8), value: Array(event), headers: headers)
                counts.late += 1
                return
            }
            clock.observe(t)
            let watermark = clock.watermark(grace: topology.graceMillis)
            let (before, after) = try store.withState(of: key) { state in
                let before = state.nextTimer
                engine.apply(record, key: &state, watermark: watermark, upstream: allValues, into: &values)
                return (before, state.nextTimer)
            }
            // The queue needs an entry when the key's timer moves (the old entry goes stale and is skipped).
            if after != .max && after != before { timers.push(after, key) }
            if store.queryable { store.recordLatest(key: key, timestamp: t, values: values) }
        } else {
            values.removeAll(keepingCapacity: true)
            for _ in 0..<engine.perEventFeatures.count { values.append(.missing) }
            counts.skipped += 1
        }
        allKeys.append(key)
        allValues.append(contentsOf: values)
        if let featureEncoder {
            guard allValues.count == featureEncoder.featureNames.count, allKeys.count == topology.stages.count else {
                try deadLetter(
                    message, source: source, kind: "layout",
                    reason: "the record carries \(allValues.count) feature values for \(featureEncoder.featureNames.count) features: written by another version of topology \(topology.name)",
                    sink: sink)
                counts.deadLettered += 1
                return
            }
            let id: String? = if let idField, case .string(let s) = record.values[idField] { s } else { nil }
            let trace = TraceContext.childHeaders(of: message, stage: stage.name, source: source)
            featureEncoder.encode(
                keys: allKeys, id: id, timestamp: record.timestamp, source: source, values: allValues, into: &writer)
            keyBytes.removeAll(keepingCapacity: true)
            if let first = allKeys.first ?? nil { keyBytes.append(contentsOf: first.utf8) }
            if try sendOrDeadLetter(
                topology.sinks.features, key: keyBytes, value: writer.bytes, message: message, source: source, sink: sink,
                headers: trace)
            {
                counts.featuresOut += 1
                try scoring?.score(
                    keys: allKeys, id: id, record: record, source: source, sourceTimestamp: prepared.sourceTimestamp,
                    values: allValues, sink: sink, counts: &counts, trace: trace)
            } else {
                counts.deadLettered += 1
            }
        } else if let nextStage {
            // Keyed by the next stage's key; an event without one keeps a key of its own so it still arrives (and
            // passes through with that stage's features missing).
            let nextKey = Self.keyString(record.values[nextStage.keyField]) ?? key ?? source.description
            keyBytes.removeAll(keepingCapacity: true)
            keyBytes.append(contentsOf: nextKey.utf8)
            event.withUnsafeBytes { raw in
                RepartitionEnvelope.encode(
                    layout: outputLayout, source: source, sourceTimestamp: prepared.sourceTimestamp, keys: allKeys,
                    values: allValues, event: raw, into: &buffer)
            }
            if try sendOrDeadLetter(
                nextStage.inputTopic, key: keyBytes, value: buffer, message: message, source: source, sink: sink,
                headers: TraceContext.childHeaders(of: message, stage: stage.name, source: source))
            {
                counts.forwarded += 1
            } else {
                counts.deadLettered += 1
            }
        }
        try closeDueWindows(store: store, clock: clock, timers: &timers, sink: sink, counts: &counts)
    }

    /// Emits the results of every window the watermark has closed.
    mutating func closeDueWindows(
        store: PartitionStore, clock: StreamClock, timers: inout TimerQueue, sink: any RecordSink,
        counts: inout BatchCounts
    ) throws {
        guard clock.streamTime != .min else { return }
        let watermark = clock.watermark(grace: topology.graceMillis)
        while let (_, key) = timers.pop(upTo: watermark) {
            windowResults.removeAll(keepingCapacity: true)
            let next = try store.withState(of: key) { state -> Int64 in
                if state.nextTimer <= watermark {
                    engine.closeWindows(&state, watermark: watermark, into: &windowResults)
                }
                return state.nextTimer
            }
            // A stale entry (the key's timer moved) finds nothing due; its live entry is in the queue already.
            if !windowResults.isEmpty, next != .max { timers.push(next, key) }
            for result in windowResults {
                windowEncoder.encode(
                    windowFragments[result.featureIndex], key: key, start: result.start, end: result.end,
                    count: result.count, value: result.value, into: &writer)
                keyBytes.removeAll(keepingCapacity: true)
                keyBytes.append(contentsOf: key.utf8)
                try sink.send(topic: topology.sinks.windows, key: keyBytes, value: writer.bytes, headers: [])
                counts.windowsOut += 1
            }
        }
    }

    static func kindName(_ feature: FeatureSpec) -> String {
        guard case .aggregate(_, _, let window) = feature.kind else { return "derived" }
        return switch window {
        case .trailing: "trailing"
        case .tumbling: "tumbling"
        case .hopping: "hopping"
        case .session: "session"
        }
    }

    /// Missing-value counts of the source events applied so far, per schema field (stage 0 only; later stages
    /// decode the same events again and do not count). Counted when applied, not when decoded: a record decoded
    /// and then given up (its partition revoked) is counted once, by whoever applies it.
    var missingCounts: (decoded: Int64, missing: [Int64])? {
        stageIndex == 0 ? (appliedDecoded, appliedMissing) : nil
    }

    /// Sets the applied counts back (a rollback: the records since will be applied again).
    mutating func resetMissingCounts(decoded: Int64, missing: [Int64]) {
        appliedDecoded = decoded
        appliedMissing = missing
    }

    private func coordinates(_ message: KafkaMessage) -> SourceCoordinates {
        SourceCoordinates(topic: message.topic, partition: message.partition, offset: message.offset)
    }

    /// Sends an output record; one the producer refuses as too large (an input near the size limit, grown by the
    /// features or the envelope) sends the input to the dead-letter topic instead, so the stream goes on. Returns
    /// whether the output was sent.
    private func sendOrDeadLetter(
        _ topic: String, key: [UInt8], value: [UInt8], message: KafkaMessage, source: SourceCoordinates,
        sink: any RecordSink, headers: [KafkaHeader] = []
    ) throws -> Bool {
        do {
            try sink.send(topic: topic, key: key, value: value, headers: headers)
            return true
        } catch let error as KafkaError where error.rdKafkaCode == KafkaErrorCode.messageTooLarge.rawValue {
            try deadLetter(
                message, source: source, kind: "too_large",
                reason: "its output record for \(topic) is \(value.count) bytes, more than the producer accepts (message.max.bytes): \(error)",
                sink: sink)
            return false
        }
    }

    private func deadLetter(
        _ message: KafkaMessage, source: SourceCoordinates, kind: String, reason: String, sink: any RecordSink
    ) throws {
        let headers = DeadLetter.headers(kind: kind, reason: reason, source: source, topology: topology.name, stage: stage.name)
        do {
            try sink.send(topic: topology.sinks.deadLetter, key: message.key, value: message.value, headers: headers)
        } catch let error as KafkaError where error.rdKafkaCode == KafkaErrorCode.messageTooLarge.rawValue {
            // Even the dead letter is too big for the producer: keep its first kilobyte and say how big it was;
            // the whole record is still at its source coordinates.
            let original = message.value ?? []
            let truncated = [KafkaHeader(key: DeadLetter.truncatedHeader, value: Array(String(original.count).utf8))]
            try sink.send(
                topic: topology.sinks.deadLetter, key: message.key.map { Array($0.prefix(1024)) },
                value: Array(original.prefix(1024)), headers: headers + truncated)
        }
    }
}

/// A task's event-time clock: the newest event time applied in its partition.
struct StreamClock {
    /// Int64.min until the first event.
    var streamTime: Int64

    mutating func observe(_ t: Int64) {
        if t > streamTime { streamTime = t }
    }

    /// `streamTime − grace`: events before it are late; windows ending at or before it are closed.
    func watermark(grace: Int64) -> Int64 {
        streamTime == .min ? .min : streamTime &- grace
    }
}

import Foundation
@testable import VigilCore

/// What a reference computation expects of one engine value: exactly this value (Doubles within 1e-9 relative), or
/// a HyperLogLog estimate of this exact distinct count (within 4 standard errors, or ±1 for small counts).
enum Expected: Equatable, CustomStringConvertible {
    case value(FeatureValue)
    case approximately(Int64)

    var description: String {
        switch self {
        case .value(let v): "\(v)"
        case .approximately(let n): "≈\(n)"
        }
    }

    /// The relative standard error of a precision-12 HyperLogLog sketch.
    static let hllStandardError = 1.04 / 64.0

    func matches(_ actual: FeatureValue) -> Bool {
        switch self {
        case .value(let expected):
            switch (expected, actual) {
            case (.double(let a), .double(let b)):
                if a == b { return true }
                return abs(a - b) <= 1e-9 * max(abs(a), abs(b))
            default:
                return expected == actual
            }
        case .approximately(let n):
            guard case .int(let estimate) = actual else { return false }
            let tolerance = max(1.0, 4 * Self.hllStandardError * Double(n))
            return abs(Double(estimate - n)) <= tolerance
        }
    }
}

/// A naive implementation of docs/semantics.md, written straight from the definitions: it keeps every applied
/// record of every key with its log position and recomputes every feature by brute force. No pruning, no tiles, no
/// sketches, no caches: the engine must give the same values.
struct ReferenceEngine {
    struct Entry {
        var record: Record
        var position: Int
        var time: Int64

        init(record: Record, position: Int) {
            self.record = record
            self.position = position
            time = record.timestamp
        }
    }

    let schema: EventSchema
    let perEvent: [FeatureSpec]
    let windowed: [FeatureSpec]
    let upstreamNames: [String]
    let limit: Int
    var logs: [String: [Entry]] = [:]
    var position = 0

    init(schema: EventSchema, features: [FeatureSpec], distinctExactLimit: Int, upstreamNames: [String] = []) {
        self.schema = schema
        perEvent = features.filter(\.isPerEvent)
        windowed = features.filter { !$0.isPerEvent }
        limit = distinctExactLimit
        self.upstreamNames = upstreamNames
    }

    func fieldIndex(_ name: String?) -> Int? { name.flatMap { schema.index(of: $0) } }

    static func units(_ v: FieldValue) -> Int64? {
        guard let u = v.numericUnits, u != Int64.min else { return nil }
        return u
    }

    /// Applies `record` to `key` and returns the expected per-event values.
    mutating func apply(key: String, record: Record, upstream: [FeatureValue] = []) -> [Expected] {
        let history = logs[key, default: []]
        coveredCache.removeAll(keepingCapacity: true)
        // Aggregates first (they depend only on the history), then ratios by name, recursively.
        var results: [String: Expected] = [:]
        for f in perEvent {
            guard case .aggregate(let aggregation, let field, let window) = f.kind else { continue }
            results[f.name] = trailing(
                aggregation, field: fieldIndex(field), window: window, include: f.includeCurrent, record: record,
                history: history)
        }
        let byName = Dictionary(uniqueKeysWithValues: perEvent.map { ($0.name, $0) })
        func value(_ name: String) -> FeatureValue {
            if let spec = byName[name] {
                if results[name] == nil, case .ratio(let numerator, let denominator) = spec.kind {
                    results[name] = .value(Self.ratio(value(numerator), value(denominator)))
                }
                if case .value(let v) = results[name]! { return v }
                return .missing  // an approximate distinct count as an operand: not used by the tests
            }
            if let i = upstreamNames.firstIndex(of: name) { return i < upstream.count ? upstream[i] : .missing }
            return .missing
        }
        var out: [Expected] = []
        for f in perEvent {
            _ = value(f.name)
            out.append(results[f.name]!)
        }
        logs[key, default: []].append(Entry(record: record, position: position))
        position += 1
        return out
    }

    static func ratio(_ a: FeatureValue, _ b: FeatureValue) -> FeatureValue {
        func number(_ v: FeatureValue) -> Double? {
            switch v {
            case .missing: nil
            case .int(let i): Double(i)
            case .decimal(let u): Double(u) / 10_000
            case .double(let d): d
            }
        }
        guard let x = number(a), let y = number(b), y != 0 else { return .missing }
        return .double(x / y)
    }

    /// The events each window covers at the current event (filled per event; windows are pure functions of the
    /// event and the history, so this only saves recomputation).
    var coveredCache: [WindowKey: [Entry]] = [:]

    struct WindowKey: Hashable {
        var millis: Int64
        var tile: Int64?
    }

    mutating func trailing(
        _ aggregation: Aggregation, field: Int?, window: Window, include: Bool, record: Record, history: [Entry]
    ) -> Expected {
        guard case .trailing(let w, let tile) = window else { fatalError("not trailing") }
        let t = record.timestamp
        // Which earlier events the window covers.
        let lowerInclusive: Int64  // first covered time
        let upperInclusive: Int64?  // last covered time (nil: tiled, up to the end of t's tile)
        var tileRange: ClosedRange<Int64>? = nil
        if let r = tile {
            let k = Int64((Double(t) / Double(r)).rounded(.down))
            let first = k - w / r + 1
            tileRange = first...k
            lowerInclusive = (k + 1) * r - w
            upperInclusive = nil
        } else {
            lowerInclusive = t - w + 1
            upperInclusive = t
        }
        func inWindow(_ e: Entry) -> Bool {
            if let tileRange, let r = tile {
                let k = Int64((Double(e.time) / Double(r)).rounded(.down))
                return tileRange.contains(k)
            }
            return e.time >= lowerInclusive && e.time <= upperInclusive!
        }
        let covered: [Entry]
        if let cached = coveredCache[WindowKey(millis: w, tile: tile)] {
            covered = cached
        } else {
            covered = history.filter(inWindow)
            coveredCache[WindowKey(millis: w, tile: tile)] = covered
        }
        let current = Entry(record: record, position: Int.max)
        let members = include ? covered + [current] : covered

        switch aggregation {
        case .count:
            return .value(.int(Int64(members.count)))
        case .timeSinceLast:
            let before = covered.filter { $0.time <= t }
            guard let latest = before.map(\.time).max() else { return .value(.missing) }
            return .value(.decimal(units: (t - latest) * 10))
        case .firstSeen:
            let v = record.values[field!]
            if v == .missing { return .value(.missing) }
            // Seen when an earlier event with this value lies in the window, extended to +∞.
            let seen = history.contains { $0.record.values[field!] == v && $0.time >= lowerInclusive }
            return .value(.int(seen ? 0 : 1))
        case .distinctCount:
            let values = Set(members.map { $0.record.values[field!] }.filter { $0 != .missing })
            guard let r = tile else { return .value(.int(Int64(values.count))) }
            // Tiled: exact when every tile in the window is exact (at most `limit` distinct values among all its
            // events applied so far) and the union has at most `limit` values.
            var allTilesExact = true
            for k in tileRange! {
                let tileValues = Set(history.filter { Int64((Double($0.time) / Double(r)).rounded(.down)) == k }
                    .map { $0.record.values[field!] }.filter { $0 != .missing })
                if tileValues.count > limit { allTilesExact = false }
            }
            if allTilesExact && values.count <= limit { return .value(.int(Int64(values.count))) }
            return .approximately(Int64(values.count))
        case .zScore:
            guard let x = Self.units(record.values[field!]) else { return .value(.missing) }
            let xs = covered.compactMap { Self.units($0.record.values[field!]) }
            return .value(Self.zScore(x, xs))
        default:
            let present = members.compactMap { e -> (Entry, Int64)? in
                Self.units(e.record.values[field!]).map { (e, $0) }
            }
            return .value(Self.numeric(aggregation, present))
        }
    }

    /// sum, mean, min, max, variance, stddev, first, last of (event, value) pairs.
    static func numeric(_ aggregation: Aggregation, _ present: [(Entry, Int64)]) -> FeatureValue {
        let xs = present.map(\.1)
        switch aggregation {
        case .sum:
            return .decimal(units: xs.reduce(0, &+))
        case .mean:
            guard !xs.isEmpty else { return .missing }
            return .double(Double(xs.reduce(0, &+)) / Double(xs.count) / 10_000)
        case .variance, .stddev:
            guard !xs.isEmpty else { return .missing }
            let v = variance(xs)
            return .double(aggregation == .variance ? v : v.squareRoot())
        case .min:
            return xs.min().map { .decimal(units: $0) } ?? .missing
        case .max:
            return xs.max().map { .decimal(units: $0) } ?? .missing
        case .first:
            let e = present.min { ($0.0.time, $0.0.position) < ($1.0.time, $1.0.position) }
            return e.map { .decimal(units: $0.1) } ?? .missing
        case .last:
            let e = present.max { ($0.0.time, $0.0.position) < ($1.0.time, $1.0.position) }
            return e.map { .decimal(units: $0.1) } ?? .missing
        default:
            fatalError("not numeric: \(aggregation)")
        }
    }

    /// Population variance in whole units², from exact integer sums.
    static func variance(_ xs: [Int64]) -> Double {
        let n = Int128(xs.count)
        let s = xs.reduce(Int128(0)) { $0 + Int128($1) }
        let q = xs.reduce(Int128(0)) { $0 + Int128($1) * Int128($1) }
        let scaled = n * q - s * s
        return Double(scaled) / (Double(xs.count) * Double(xs.count)) / 1e8
    }

    static func zScore(_ x: Int64, _ xs: [Int64]) -> FeatureValue {
        guard !xs.isEmpty else { return .missing }
        let n = Int128(xs.count)
        let s = xs.reduce(Int128(0)) { $0 + Int128($1) }
        let q = xs.reduce(Int128(0)) { $0 + Int128($1) * Int128($1) }
        let scaled = n * q - s * s
        guard scaled > 0 else { return .missing }
        return .double(Double(n * Int128(x) - s) / Double(scaled).squareRoot())
    }

    // MARK: - Windowed features

    /// The results of every window of `key` whose close time lies in `(previous, watermark]` — the windows that
    /// became due since the last call (a window due earlier can no longer change: any event in it would be late) —
    /// in (close time, feature, start) order.
    func closeWindows(
        key: String, after previous: Int64, upTo watermark: Int64
    ) -> [(result: FeatureEngine.WindowResult, expected: Expected)] {
        let entries = logs[key, default: []]
        guard watermark > previous, !entries.isEmpty else { return [] }
        func due(_ close: Int64) -> Bool { close > previous && close <= watermark }
        let newest = entries.map(\.time).max()!
        let oldest = entries.map(\.time).min()!
        var out: [(close: Int64, result: FeatureEngine.WindowResult, expected: Expected)] = []
        let sorted = entries.sorted { ($0.time, $0.position) < ($1.time, $1.position) }
        // Sessions depend only on the gap: computed once per gap.
        var sessions: [Int64: [(start: Int64, end: Int64, close: Int64, members: [Entry])]] = [:]
        for (fi, f) in windowed.enumerated() {
            guard case .aggregate(let aggregation, let fieldName, let window) = f.kind else { continue }
            let field = fieldIndex(fieldName)
            var windows: [(start: Int64, end: Int64, close: Int64, members: [Entry])] = []
            switch window {
            case .tumbling(let size), .hopping(let size, _):
                var advance = size
                if case .hopping(_, let a) = window { advance = a }
                // Aligned windows [s, s + size) whose end is due, up to the newest event.
                let lastEnd = min(watermark, newest + size)
                var s = floorDiv(max(previous, oldest - size) - size, advance) * advance
                while s + size <= lastEnd {
                    if due(s + size) {
                        let members = entries.filter { $0.time >= s && $0.time < s + size }
                        if !members.isEmpty { windows.append((s, s + size, s + size, members)) }
                    }
                    s += advance
                }
            case .session(let gap):
                if let cached = sessions[gap] {
                    windows = cached
                } else {
                    var current: [Entry] = []
                    for e in sorted {
                        if let last = current.last, e.time - last.time >= gap {
                            if due(last.time + gap) { windows.append((current[0].time, last.time, last.time + gap, current)) }
                            current = []
                        }
                        current.append(e)
                    }
                    if let last = current.last, due(last.time + gap) {
                        windows.append((current[0].time, last.time, last.time + gap, current))
                    }
                    sessions[gap] = windows
                }
            case .trailing:
                continue
            }
            for w in windows {
                let expected: Expected
                switch aggregation {
                case .count:
                    expected = .value(.int(Int64(w.members.count)))
                case .distinctCount:
                    let values = Set(w.members.map { $0.record.values[field!] }.filter { $0 != .missing })
                    expected = values.count <= limit ? .value(.int(Int64(values.count))) : .approximately(Int64(values.count))
                default:
                    let present = w.members.compactMap { e -> (Entry, Int64)? in
                        Self.units(e.record.values[field!]).map { (e, $0) }
                    }
                    expected = .value(Self.numeric(aggregation, present))
                }
                let result = FeatureEngine.WindowResult(
                    featureIndex: fi, start: w.start, end: w.end, count: Int64(w.members.count), value: .missing)
                out.append((w.close, result, expected))
            }
        }
        out.sort { ($0.close, $0.result.featureIndex, $0.result.start) < ($1.close, $1.result.featureIndex, $1.result.start) }
        return out.map { ($0.result, $0.expected) }
    }

    func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        Int64((Double(a) / Double(b)).rounded(.down))
    }
}

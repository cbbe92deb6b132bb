import VigilMonitor

/// The drift histograms of one model version over one event-time window: one per model input with a baseline (nil
/// for the others), and the score's.
struct DriftWindow: Equatable {
    var start: Int64
    var model: String
    var version: String
    var predictions: UInt64 = 0
    /// Whether any prediction came from the live model (role champion or canary): only live windows feed the
    /// retraining policy.
    var live = false
    var features: [BinnedHistogram?]
    var score: BinnedHistogram

    func encode(into out: inout [UInt8]) {
        out.append(1)
        StateCoding.appendInt(start, to: &out)
        StateCoding.appendString(model, to: &out)
        StateCoding.appendString(version, to: &out)
        StateCoding.appendInt(Int64(bitPattern: predictions), to: &out)
        out.append(live ? 1 : 0)
        StateCoding.appendInt(Int64(features.count), to: &out)
        for histogram in features {
            guard let histogram else {
                out.append(0)
                continue
            }
            out.append(1)
            StateCoding.appendNested(to: &out) { histogram.encode(into: &$0) }
        }
        StateCoding.appendNested(to: &out) { score.encode(into: &$0) }
    }

    init(start: Int64, model: String, version: String, features: [BinnedHistogram?], score: BinnedHistogram) {
        self.start = start
        self.model = model
        self.version = version
        self.features = features
        self.score = score
    }

    init(decoding bytes: [UInt8]) throws {
        var r = StateCoding.Reader(bytes[...])
        guard try r.byte() == 1 else { throw StateCoding.corrupt("drift window") }
        start = try r.int()
        model = try r.string()
        version = try r.string()
        predictions = UInt64(bitPattern: try r.int())
        live = try r.byte() == 1
        let count = try r.int()
        guard count >= 0 && count < 1 << 20 else { throw StateCoding.corrupt("drift window") }
        features = []
        for _ in 0..<count {
            features.append(try r.byte() == 1 ? try BinnedHistogram(decoding: try r.nested()) : nil)
        }
        score = try BinnedHistogram(decoding: try r.nested())
    }
}

/// The live accuracy of one model version over one event-time window, as its labels arrive.
struct PerformanceWindow: Equatable {
    var start: Int64
    var model: String
    var version: String
    var live = false
    var counts: ClassificationWindow
    /// The revision the next performance event gets (0 for the first).
    var revision: Int64 = 0
    /// The monitor clock when it was last emitted (nil: never).
    var emittedAt: Int64?
    /// Whether labels changed it since it was last emitted.
    var changed = false

    init(start: Int64, model: String, version: String, threshold: Double) {
        self.start = start
        self.model = model
        self.version = version
        counts = ClassificationWindow(threshold: threshold)
    }

    func encode(into out: inout [UInt8]) {
        out.append(1)
        StateCoding.appendInt(start, to: &out)
        StateCoding.appendString(model, to: &out)
        StateCoding.appendString(version, to: &out)
        out.append(live ? 1 : 0)
        StateCoding.appendNested(to: &out) { counts.encode(into: &$0) }
        StateCoding.appendInt(revision, to: &out)
        StateCoding.appendInt(emittedAt ?? .min, to: &out)
        out.append(changed ? 1 : 0)
    }

    init(decoding bytes: [UInt8]) throws {
        var r = StateCoding.Reader(bytes[...])
        guard try r.byte() == 1 else { throw StateCoding.corrupt("performance window") }
        start = try r.int()
        model = try r.string()
        version = try r.string()
        live = try r.byte() == 1
        counts = try ClassificationWindow(decoding: try r.nested())
        revision = try r.int()
        let emitted = try r.int()
        emittedAt = emitted == .min ? nil : emitted
        changed = try r.byte() == 1
    }
}

/// What the monitor remembers of one transaction until its window's label horizon: each model's prediction, and
/// the label it has now.
struct TransactionEntry: Equatable {
    struct Scored: Equatable {
        var model: String
        var version: String
        var live: Bool
        var score: Double
        var threshold: Double
    }
    var predictions: [Scored] = []
    /// The label applied so far (nil: none yet).
    var label: Bool?
    /// The `available_ts` of that label.
    var labelAvailableAt: Int64 = .min

    func encode(into out: inout [UInt8]) {
        out.append(1)
        out.append(label == nil ? 2 : (label! ? 1 : 0))
        StateCoding.appendInt(labelAvailableAt, to: &out)
        StateCoding.appendInt(Int64(predictions.count), to: &out)
        for p in predictions {
            StateCoding.appendString(p.model, to: &out)
            StateCoding.appendString(p.version, to: &out)
            out.append(p.live ? 1 : 0)
            StateCoding.appendInt(Int64(bitPattern: p.score.bitPattern), to: &out)
            StateCoding.appendInt(Int64(bitPattern: p.threshold.bitPattern), to: &out)
        }
    }

    init() {}

    init(decoding bytes: [UInt8]) throws {
        var r = StateCoding.Reader(bytes[...])
        guard try r.byte() == 1 else { throw StateCoding.corrupt("transaction entry") }
        let l = try r.byte()
        label = l == 2 ? nil : l == 1
        labelAvailableAt = try r.int()
        let count = try r.int()
        guard count >= 0 && count < 1 << 16 else { throw StateCoding.corrupt("transaction entry") }
        for _ in 0..<count {
            predictions.append(Scored(
                model: try r.string(), version: try r.string(), live: try r.byte() == 1,
                score: Double(bitPattern: UInt64(bitPattern: try r.int())),
                threshold: Double(bitPattern: UInt64(bitPattern: try r.int()))))
        }
    }
}

/// Little helpers for the monitor's state encodings (little-endian, length-prefixed).
enum StateCoding {
    struct Corrupt: Error, CustomStringConvertible {
        var what: String
        var description: String { "corrupt monitor state: \(what)" }
    }

    static func corrupt(_ what: String) -> Corrupt { Corrupt(what: what) }

    static func appendInt(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        appendInt(Int64(s.utf8.count), to: &out)
        out.append(contentsOf: s.utf8)
    }

    static func appendNested(to out: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        var inner: [UInt8] = []
        body(&inner)
        appendInt(Int64(inner.count), to: &out)
        out.append(contentsOf: inner)
    }

    struct Reader {
        var bytes: ArraySlice<UInt8>
        init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count >= n else { throw StateCoding.corrupt("truncated") }
            defer { bytes = bytes.dropFirst(n) }
            return bytes.prefix(n)
        }

        mutating func byte() throws -> UInt8 { try take(1).first! }

        mutating func int() throws -> Int64 {
            var value: UInt64 = 0
            for (i, b) in try take(8).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            return Int64(bitPattern: value)
        }

        mutating func string() throws -> String {
            let n = try int()
            guard n >= 0 && n < 1 << 24 else { throw StateCoding.corrupt("string length") }
            return String(decoding: try take(Int(n)), as: UTF8.self)
        }

        mutating func nested() throws -> ArraySlice<UInt8> {
            let n = try int()
            guard n >= 0 && n < 1 << 30 else { throw StateCoding.corrupt("length") }
            return try take(Int(n))
        }
    }
}

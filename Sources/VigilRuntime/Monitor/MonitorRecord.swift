import VigilCore

/// A record on a topology's internal monitor topic (`sinks.monitor`, one partition): what the monitor needs of one
/// scored event — each model's prediction with the model's inputs — or a label forwarded from the labels topic. The
/// monitor reads nothing else, so its windows are a function of this one partition's order (docs/monitoring.md).
///
/// One record per event carries all of its predictions (the live one and the shadow), so the monitor remembers a
/// transaction with one blind write, and a redelivered event overwrites the same entry.
///
/// Binary, little-endian, versioned; read only by Vigil (docs/events.md, "internal topics"):
/// `"VGM" 0x01` · kind u8 (1 scored event, 2 label) · then
/// - scored event: txn id (u16 length + UTF-8, 0xFFFF when absent) · event time i64 · predictions u8, each: model,
///   version, role (u16 length + UTF-8) · score f64 · decision threshold f64 · inputs (u16 count, each f64; NaN =
///   missing);
/// - label: txn id, card id, fraud type (u16 length + UTF-8, 0xFFFF when absent) · is fraud u8 · event time i64 ·
///   available time i64.
enum MonitorRecord: Equatable {
    case event(Event)
    case label(Label)

    static let magic: [UInt8] = [0x56, 0x47, 0x4D, 0x01]  // "VGM" v1

    /// One model's prediction, with the model's inputs.
    struct Prediction: Equatable {
        var model: String
        var version: String
        /// `champion`, `canary` or `shadow` (as in the prediction event).
        var role: String
        var score: Double
        var threshold: Double
        /// The model's inputs in manifest order (NaN where missing).
        var inputs: [Double]

        static func == (a: Prediction, b: Prediction) -> Bool {
            a.model == b.model && a.version == b.version && a.role == b.role
                && a.score.bitPattern == b.score.bitPattern && a.threshold.bitPattern == b.threshold.bitPattern
                && a.inputs.map(\.bitPattern) == b.inputs.map(\.bitPattern)
        }
    }

    /// A scored event: its transaction id, event time and predictions.
    struct Event: Equatable {
        var txnID: String?
        var timestamp: Int64
        var predictions: [Prediction]
    }

    /// Starts a scored event's record in `buffer`, replacing its contents; append its predictions with
    /// `appendPrediction`, then set the count with `finishEvent`.
    static func beginEvent(txnID: String?, timestamp: Int64, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: magic)
        buffer.append(1)
        appendString(txnID, to: &buffer)
        appendInteger(timestamp, to: &buffer)
        buffer.append(0)  // the count, set by finishEvent
    }

    /// The offset of the prediction count in a record begun with `beginEvent`.
    static func countOffset(_ buffer: [UInt8]) -> Int { buffer.count - 1 }

    static func appendPrediction(
        model: String, version: String, role: String, score: Double, threshold: Double, inputs: [Double],
        to buffer: inout [UInt8], countAt offset: Int
    ) {
        buffer[offset] &+= 1
        appendString(model, to: &buffer)
        appendString(version, to: &buffer)
        appendString(role, to: &buffer)
        // The numbers through a pointer, sized first: an `append` per value cost more than scoring.
        let n = min(inputs.count, Int(UInt16.max))
        buffer.appendWriting(capacity: 18 + 8 * n) { w in
            w.littleEndian(score.bitPattern)
            w.littleEndian(threshold.bitPattern)
            w.littleEndian(UInt16(n))
            inputs.withUnsafeBufferPointer { xs in
                for i in 0..<n { w.littleEndian(xs[i].bitPattern) }
            }
        }
    }

    /// Writes a label record into `buffer`, replacing its contents.
    static func encodeLabel(_ label: Label, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: magic)
        buffer.append(2)
        appendString(label.txnID, to: &buffer)
        appendString(label.cardID, to: &buffer)
        appendString(label.fraudType, to: &buffer)
        buffer.append(label.isFraud ? 1 : 0)
        appendInteger(label.eventTimestamp, to: &buffer)
        appendInteger(label.availableAt, to: &buffer)
    }

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .event(let e):
            Self.beginEvent(txnID: e.txnID, timestamp: e.timestamp, into: &out)
            let at = Self.countOffset(out)
            for p in e.predictions {
                Self.appendPrediction(
                    model: p.model, version: p.version, role: p.role, score: p.score, threshold: p.threshold,
                    inputs: p.inputs, to: &out, countAt: at)
            }
        case .label(let l):
            Self.encodeLabel(l, into: &out)
        }
        return out
    }

    /// Reads a record; nil for anything that is not a well-formed monitor record of this version.
    static func decode(_ bytes: [UInt8]) -> MonitorRecord? {
        var reader = Reader(bytes: bytes)
        guard reader.take(4) == magic[...], let kind = reader.byte() else { return nil }
        switch kind {
        case 1:
            guard let txn = reader.string(), let timestamp = reader.int64(), let count = reader.byte() else { return nil }
            var predictions: [Prediction] = []
            predictions.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let model = reader.string(), let model, let version = reader.string(), let version,
                      let role = reader.string(), let role, let score = reader.uint64(),
                      let threshold = reader.uint64(), let n = reader.uint16()
                else { return nil }
                var inputs: [Double] = []
                inputs.reserveCapacity(Int(n))
                for _ in 0..<n {
                    guard let x = reader.uint64() else { return nil }
                    inputs.append(Double(bitPattern: x))
                }
                predictions.append(Prediction(
                    model: model, version: version, role: role, score: Double(bitPattern: score),
                    threshold: Double(bitPattern: threshold), inputs: inputs))
            }
            guard reader.atEnd else { return nil }
            return .event(Event(txnID: txn, timestamp: timestamp, predictions: predictions))
        case 2:
            guard let txn = reader.string(), let txn, let card = reader.string(), let card,
                  let fraudType = reader.string(), let isFraud = reader.byte(), isFraud <= 1,
                  let eventTime = reader.int64(), let available = reader.int64(), reader.atEnd
            else { return nil }
            return .label(Label(
                txnID: txn, cardID: card, isFraud: isFraud == 1, fraudType: fraudType, eventTimestamp: eventTime,
                availableAt: available))
        default:
            return nil
        }
    }

    private static func appendString(_ s: String?, to buffer: inout [UInt8]) {
        guard let s else {
            appendInteger(UInt16.max, to: &buffer)
            return
        }
        let count = s.utf8.count
        if count < Int(UInt16.max) {
            appendInteger(UInt16(count), to: &buffer)
            buffer.append(contentsOf: s.utf8)
        } else {
            let utf8 = s.utf8.prefix(Int(UInt16.max) - 1)
            appendInteger(UInt16(utf8.count), to: &buffer)
            buffer.append(contentsOf: utf8)
        }
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position == bytes.count }

        mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, bytes.count - position >= n else { return nil }
            defer { position += n }
            return bytes[position..<position + n]
        }

        mutating func byte() -> UInt8? { take(1)?.first }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard let slice = take(MemoryLayout<T>.size) else { return nil }
            var value: T = 0
            for (i, b) in slice.enumerated() { value |= T(truncatingIfNeeded: b) << (8 * i) }
            return value
        }

        mutating func uint16() -> UInt16? { integer(UInt16.self) }
        mutating func uint64() -> UInt64? { integer(UInt64.self) }
        mutating func int64() -> Int64? { integer(Int64.self) }

        /// `.some(nil)` for an absent string, nil when malformed.
        mutating func string() -> String?? {
            guard let length = uint16() else { return nil }
            if length == .max { return .some(nil) }
            guard let slice = take(Int(length)) else { return nil }
            return .some(String(decoding: slice, as: UTF8.self))
        }
    }
}

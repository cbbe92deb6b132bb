import VigilCore

/// The value of a record on an internal repartition topic: an input event on its way from one stage to the next,
/// with what the earlier stages computed for it.
///
/// Binary, little-endian, versioned; read only by Vigil (docs/events.md, "internal topics"):
/// `"VGR" 0x03` · layout u64 · source topic (u32 length + UTF-8) · partition i32 · offset i64 ·
/// source record timestamp i64 (epoch ms, Int64.min when unknown) · keys (u16 count, each: u8 present, u32 length, UTF-8) · values (u16 count, each: u8 tag, 8 bytes) ·
/// the original event bytes (u32 length + bytes).
/// `layout` identifies the topology's stages and features up to the sender: a receiver built from another version
/// of the topology sends the record to the dead-letter topic instead of misreading the values. Version 2 (without
/// the source timestamp) is still read.
struct RepartitionEnvelope {
    static let magic: [UInt8] = [0x56, 0x47, 0x52, 0x03]  // "VGR" v3
    static let magicV2: [UInt8] = [0x56, 0x47, 0x52, 0x02]

    var layout: UInt64
    var source: SourceCoordinates
    /// The Kafka timestamp of the source record (epoch ms; nil when unknown): where the processing latency of the
    /// event's prediction is measured from. Part of the input log, so replays carry the same value.
    var sourceTimestamp: Int64?
    /// The event's key in each earlier stage (nil where it had none).
    var keys: [String?]
    /// The per-event features of the earlier stages, in output order.
    var values: [FeatureValue]
    /// The event as it arrived on the source topic.
    var event: [UInt8]

    /// Writes the envelope into `buffer`, replacing its contents.
    static func encode(
        layout: UInt64, source: SourceCoordinates, sourceTimestamp: Int64?, keys: [String?], values: [FeatureValue],
        event: UnsafeRawBufferPointer, into buffer: inout [UInt8]
    ) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: magic)
        buffer.appendLittleEndian(layout)
        appendString(source.topic, to: &buffer)
        buffer.appendLittleEndian(source.partition)
        buffer.appendLittleEndian(source.offset)
        buffer.appendLittleEndian(sourceTimestamp ?? .min)
        buffer.appendLittleEndian(UInt16(keys.count))
        for key in keys {
            if let key {
                buffer.append(1)
                appendString(key, to: &buffer)
            } else {
                buffer.append(0)
            }
        }
        buffer.appendLittleEndian(UInt16(values.count))
        for value in values {
            switch value {
            case .missing:
                buffer.append(0)
                buffer.appendLittleEndian(UInt64(0))
            case .int(let v):
                buffer.append(1)
                buffer.appendLittleEndian(v)
            case .decimal(let units):
                buffer.append(2)
                buffer.appendLittleEndian(units)
            case .double(let d):
                buffer.append(3)
                buffer.appendLittleEndian(d.bitPattern)
            }
        }
        buffer.appendLittleEndian(UInt32(event.count))
        buffer.append(contentsOf: event)
    }

    private static func appendString(_ s: String, to buffer: inout [UInt8]) {
        let utf8 = s.utf8
        buffer.appendLittleEndian(UInt32(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    /// Reads an envelope; nil with a reason when the bytes are not one.
    static func decode(_ bytes: [UInt8]) -> Result<RepartitionEnvelope, DecodeError> {
        func bad(_ why: String) -> Result<RepartitionEnvelope, DecodeError> {
            .failure(DecodeError(kind: DecodeError.Kind(rawValue: "bad_envelope"), reason: "not a Vigil repartition record: \(why)"))
        }
        guard bytes.count >= 4, bytes[0] == magic[0], bytes[1] == magic[1], bytes[2] == magic[2],
              bytes[3] == magic[3] || bytes[3] == magicV2[3]
        else { return bad("unknown header") }
        let hasTimestamp = bytes[3] == magic[3]
        var r = ByteReader(bytes, position: 4)
        func string() -> String? {
            guard let n = r.read(UInt32.self), let b = r.readBytes(Int(n)) else { return nil }
            return String(validating: b, as: UTF8.self)
        }
        guard let layout = r.read(UInt64.self), let topic = string(), let partition = r.read(Int32.self),
              let offset = r.read(Int64.self)
        else { return bad("truncated") }
        var sourceTimestamp: Int64?
        if hasTimestamp {
            guard let t = r.read(Int64.self) else { return bad("truncated") }
            sourceTimestamp = t == .min ? nil : t
        }
        guard let nKeys = r.read(UInt16.self) else { return bad("truncated") }
        var keys: [String?] = []
        keys.reserveCapacity(Int(nKeys))
        for _ in 0..<nKeys {
            guard let present = r.read(UInt8.self) else { return bad("truncated") }
            if present == 0 {
                keys.append(nil)
            } else {
                guard let key = string() else { return bad("truncated key") }
                keys.append(key)
            }
        }
        guard let nValues = r.read(UInt16.self) else { return bad("truncated") }
        var values: [FeatureValue] = []
        values.reserveCapacity(Int(nValues))
        for _ in 0..<nValues {
            guard let tag = r.read(UInt8.self), let raw = r.read(UInt64.self) else { return bad("truncated values") }
            switch tag {
            case 0: values.append(.missing)
            case 1: values.append(.int(Int64(bitPattern: raw)))
            case 2: values.append(.decimal(units: Int64(bitPattern: raw)))
            case 3: values.append(.double(Double(bitPattern: raw)))
            default: return bad("unknown value tag \(tag)")
            }
        }
        guard let n = r.read(UInt32.self), let event = r.readBytes(Int(n)), r.remaining == 0 else {
            return bad("truncated event")
        }
        return .success(RepartitionEnvelope(
            layout: layout, source: SourceCoordinates(topic: topic, partition: partition, offset: offset),
            sourceTimestamp: sourceTimestamp, keys: keys,
            values: values, event: Array(event)))
    }

    /// A stable 64-bit FNV-1a hash of `text` (the layout id).
    static func layoutHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}

/// Kafka's default partitioner for keyed records (the Java client's murmur2, which librdkafka's `murmur2_random`
/// reproduces): the test driver routes repartitioned records exactly as the producer does.
public enum KafkaPartitioner {
    /// The partition of a record with `key` among `partitions`.
    public static func partition(key: [UInt8], partitions: Int32) -> Int32 {
        Int32(Int64(murmur2(key) & 0x7fff_ffff) % Int64(partitions))
    }

    public static func murmur2(_ data: [UInt8]) -> UInt32 {
        let seed: UInt32 = 0x9747_b28c
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        let length = data.count
        var h = seed ^ UInt32(truncatingIfNeeded: length)
        let blocks = length / 4
        for i in 0..<blocks {
            let j = i * 4
            var k = UInt32(data[j]) | UInt32(data[j + 1]) << 8 | UInt32(data[j + 2]) << 16 | UInt32(data[j + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = blocks * 4
        switch length & 3 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 1:
            h ^= UInt32(data[tail])
            h = h &* m
        default: break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}

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
    /// The event as it arrived on the source topic (a slice of the envelope's bytes when decoded).
    var eventBytes: ArraySlice<UInt8>

    /// The event as it arrived on the source topic.
    var event: [UInt8] { Array(eventBytes) }

    /// Writes the envelope into `buffer`, replacing its contents.
    ///
    /// Sized first, then written through a pointer in one piece (and the event in a second): one `append` per field
    /// cost more than the rest of the encoding.
    static func encode(
        layout: UInt64, source: SourceCoordinates, sourceTimestamp: Int64?, keys: [String?], values: [FeatureValue],
        event: UnsafeRawBufferPointer, into buffer: inout [UInt8]
    ) {
        buffer.removeAll(keepingCapacity: true)
        var topic = source.topic
        topic.makeContiguousUTF8()
        var size = 4 + 8 + 4 + topic.utf8.count + 4 + 8 + 8 + 2 + 2 + 9 * values.count + 4
        for key in keys { size += 1 + (key.map { 4 + $0.utf8.count } ?? 0) }
        buffer.reserveCapacity(size + event.count)
        buffer.appendWriting(capacity: size) { w in
            for b in magic { w.byte(b) }
            w.littleEndian(layout)
            appendString(topic, to: &w)
            w.littleEndian(source.partition)
            w.littleEndian(source.offset)
            w.littleEndian(sourceTimestamp ?? .min)
            w.littleEndian(UInt16(keys.count))
            for key in keys {
                if let key {
                    w.byte(1)
                    appendString(key, to: &w)
                } else {
                    w.byte(0)
                }
            }
            w.littleEndian(UInt16(values.count))
            for value in values {
                switch value {
                case .missing:
                    w.byte(0)
                    w.littleEndian(UInt64(0))
                case .int(let v):
                    w.byte(1)
                    w.littleEndian(v)
                case .decimal(let units):
                    w.byte(2)
                    w.littleEndian(units)
                case .double(let d):
                    w.byte(3)
                    w.littleEndian(d.bitPattern)
                }
            }
            w.littleEndian(UInt32(event.count))
        }
        buffer.append(contentsOf: event)
    }

    private static func appendString(_ s: String, to w: inout UnsafeByteWriter) {
        var s = s
        s.withUTF8 { utf8 in
            w.littleEndian(UInt32(utf8.count))
            w.bytes(UnsafeRawBufferPointer(utf8))
        }
    }

    /// Reads an envelope; nil with a reason when the bytes are not one.
    ///
    /// Reads through a borrowed pointer, and the event stays a slice of `bytes` (no copy): this runs for every
    /// record of every stage after the first.
    static func decode(_ bytes: [UInt8]) -> Result<RepartitionEnvelope, DecodeError> {
        guard bytes.count >= 4, bytes[0] == magic[0], bytes[1] == magic[1], bytes[2] == magic[2],
              bytes[3] == magic[3] || bytes[3] == magicV2[3]
        else { return .failure(badEnvelope("unknown header")) }
        let hasTimestamp = bytes[3] == magic[3]
        typealias Fields = (
            layout: UInt64, topic: String, partition: Int32, offset: Int64, timestamp: Int64?, keys: [String?],
            values: [FeatureValue], eventStart: Int, eventCount: Int)
        let fields = bytes.withUnsafeBytes { raw -> Result<Fields, DecodeError> in
            var r = RawReader(raw, position: 4)
            guard let layout = r.read(UInt64.self), let topic = r.string(), let partition = r.read(Int32.self),
                  let offset = r.read(Int64.self)
            else { return .failure(Self.badEnvelope("truncated")) }
            var timestamp: Int64?
            if hasTimestamp {
                guard let t = r.read(Int64.self) else { return .failure(Self.badEnvelope("truncated")) }
                timestamp = t == .min ? nil : t
            }
            guard let nKeys = r.read(UInt16.self) else { return .failure(Self.badEnvelope("truncated")) }
            var keys: [String?] = []
            keys.reserveCapacity(Int(nKeys))
            for _ in 0..<nKeys {
                guard let present = r.read(UInt8.self) else { return .failure(Self.badEnvelope("truncated")) }
                if present == 0 {
                    keys.append(nil)
                } else {
                    guard let key = r.string() else { return .failure(Self.badEnvelope("truncated key")) }
                    keys.append(key)
                }
            }
            guard let nValues = r.read(UInt16.self) else { return .failure(Self.badEnvelope("truncated")) }
            var values: [FeatureValue] = []
            values.reserveCapacity(Int(nValues))
            for _ in 0..<nValues {
                guard let tag = r.read(UInt8.self), let raw = r.read(UInt64.self) else {
                    return .failure(Self.badEnvelope("truncated values"))
                }
                switch tag {
                case 0: values.append(.missing)
                case 1: values.append(.int(Int64(bitPattern: raw)))
                case 2: values.append(.decimal(units: Int64(bitPattern: raw)))
                case 3: values.append(.double(Double(bitPattern: raw)))
                default: return .failure(Self.badEnvelope("unknown value tag \(tag)"))
                }
            }
            guard let n = r.read(UInt32.self), Int(n) <= r.remaining, r.remaining - Int(n) == 0 else {
                return .failure(Self.badEnvelope("truncated event"))
            }
            return .success((layout, topic, partition, offset, timestamp, keys, values, r.position, Int(n)))
        }
        switch fields {
        case .failure(let error):
            return .failure(error)
        case .success(let f):
            return .success(RepartitionEnvelope(
                layout: f.layout, source: SourceCoordinates(topic: f.topic, partition: f.partition, offset: f.offset),
                sourceTimestamp: f.timestamp, keys: f.keys, values: f.values,
                eventBytes: bytes[f.eventStart..<(f.eventStart + f.eventCount)]))
        }
    }

    private static func badEnvelope(_ why: String) -> DecodeError {
        DecodeError(kind: DecodeError.Kind(rawValue: "bad_envelope"), reason: "not a Vigil repartition record: \(why)")
    }

    /// Little-endian reads from borrowed bytes, checking bounds: every read returns nil past the end.
    private struct RawReader {
        let raw: UnsafeRawBufferPointer
        var position: Int

        init(_ raw: UnsafeRawBufferPointer, position: Int) {
            self.raw = raw
            self.position = position
        }

        var remaining: Int { raw.count &- position }

        @inline(__always)
        mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard remaining >= size else { return nil }
            let v = T(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: T.self))
            position &+= size
            return v
        }

        /// A u32 length and that many bytes of UTF-8; nil when truncated or not valid UTF-8.
        @inline(__always)
        mutating func string() -> String? {
            guard let n = read(UInt32.self), Int(n) <= remaining else { return nil }
            let count = Int(n)
            let bytes = UnsafeBufferPointer(
                start: raw.baseAddress.map { ($0 + position).assumingMemoryBound(to: UInt8.self) }, count: count)
            position &+= count
            // ASCII is valid UTF-8: decode it without the validating initializer's generic path.
            var ascii = true
            for b in bytes where b >= 0x80 {
                ascii = false
                break
            }
            return ascii ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
        }
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

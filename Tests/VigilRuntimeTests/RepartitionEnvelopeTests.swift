import Testing
import VigilCore
@testable import VigilRuntime

/// The repartition envelope's wire format (docs/events.md, "internal topics"), byte for byte, and its decoding.
@Suite("Repartition envelope")
struct RepartitionEnvelopeTests {
    /// The documented layout, built by hand: `"VGR" 0x03` · layout u64 · topic (u32 length + UTF-8) · partition i32 ·
    /// offset i64 · source timestamp i64 · keys (u16 count; u8 present, u32 length, UTF-8) · values (u16 count; u8
    /// tag, 8 bytes) · event. Version 2 has no source timestamp.
    static func expected(event: [UInt8], version: UInt8 = 3) -> [UInt8] {
        var b: [UInt8] = [0x56, 0x47, 0x52, version]
        b += [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01]  // layout 0x0102030405060708
        b += [3, 0, 0, 0] + Array("t\u{E9}".utf8)  // "té": 3 UTF-8 bytes
        b += [0xFE, 0xFF, 0xFF, 0xFF]  // partition -2
        b += [42, 0, 0, 0, 0, 0, 0, 0]  // offset 42
        if version == 3 { b += [0x10, 0x27, 0, 0, 0, 0, 0, 0] }  // source timestamp 10000
        b += [2, 0]  // two keys
        b += [1, 2, 0, 0, 0] + Array("c1".utf8)
        b += [0]  // no key
        b += [4, 0]  // four values
        b += [0] + [UInt8](repeating: 0, count: 8)
        b += [1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]  // int -1
        b += [2, 0x10, 0x27, 0, 0, 0, 0, 0, 0]  // decimal 10000 units
        b += [3] + withUnsafeBytes(of: (1.5).bitPattern.littleEndian) { Array($0) }
        b += [UInt8(event.count), 0, 0, 0] + event
        return b
    }

    static let keys: [String?] = ["c1", nil]
    static let values: [FeatureValue] = [.missing, .int(-1), .decimal(units: 10_000), .double(1.5)]
    static let source = SourceCoordinates(topic: "t\u{E9}", partition: -2, offset: 42)

    @Test("encoding writes the documented bytes, replacing the buffer's contents")
    func encodesTheDocumentedBytes() {
        let event = Array("{\"a\":1}".utf8)
        var buffer: [UInt8] = [9, 9, 9]
        event.withUnsafeBytes { raw in
            RepartitionEnvelope.encode(
                layout: 0x0102_0304_0506_0708, source: Self.source, sourceTimestamp: 10_000, keys: Self.keys,
                values: Self.values, event: raw, into: &buffer)
        }
        #expect(buffer == Self.expected(event: event))
    }

    @Test("decoding reads back every part; the event is the original bytes")
    func decodesWhatItEncodes() throws {
        let event = Array("{\"a\":1}".utf8)
        guard case .success(let e) = RepartitionEnvelope.decode(Self.expected(event: event)) else {
            Issue.record("the documented bytes do not decode")
            return
        }
        #expect(e.layout == 0x0102_0304_0506_0708)
        #expect(e.source == Self.source)
        #expect(e.keys == Self.keys)
        #expect(e.values == Self.values)
        #expect(e.sourceTimestamp == 10_000)
        #expect(e.event == event)
    }

    @Test("version 2 envelopes (no source timestamp) still decode")
    func decodesVersion2() throws {
        let event = Array("{\"a\":1}".utf8)
        guard case .success(let e) = RepartitionEnvelope.decode(Self.expected(event: event, version: 2)) else {
            Issue.record("a version 2 envelope does not decode")
            return
        }
        #expect(e.source == Self.source)
        #expect(e.sourceTimestamp == nil)
        #expect(e.values == Self.values)
        #expect(e.event == event)
    }

    @Test("truncated or altered envelopes are refused with the reason")
    func refusesMalformedEnvelopes() {
        let good = Self.expected(event: Array("{}".utf8))
        func reason(_ bytes: [UInt8]) -> String? {
            if case .failure(let error) = RepartitionEnvelope.decode(bytes) { return error.reason }
            return nil
        }
        #expect(reason(Array(good.dropLast())) == "not a Vigil repartition record: truncated event")
        #expect(reason(good + [0]) == "not a Vigil repartition record: truncated event")
        #expect(reason([0x56, 0x47, 0x52, 0x01] + good.dropFirst(4)) == "not a Vigil repartition record: unknown header")
        #expect(reason(Array(good.prefix(10))) == "not a Vigil repartition record: truncated")
        var badTag = good
        badTag[good.count - 2 - 4 - 9] = 7  // the tag of the last value
        #expect(reason(badTag) == "not a Vigil repartition record: unknown value tag 7")
        var badUTF8 = good
        badUTF8[4 + 8 + 4 + 1] = 0xFF  // the second byte of "é"
        #expect(reason(badUTF8) == "not a Vigil repartition record: truncated")
    }
}

import VigilCore
import VigilKafka

/// W3C trace context (https://www.w3.org/TR/trace-context/) carried in Kafka headers, so one slow or wrong
/// prediction can be followed from its input through every stage (docs/observability.md, "Tracing").
///
/// An input record with a valid `traceparent` header starts the trace; each stage that handles the event is a span
/// of it, and every record the stage writes for the event (the repartition record to the next stage, the feature
/// event, the prediction, the alert) carries `traceparent` with the same trace id and the stage's span id as parent,
/// plus `tracestate` unchanged. The span id is a hash of the trace id, the stage and the event's source coordinates:
/// a replay writes the same headers, and a redelivered record's outputs name the same span.
enum TraceContext {
    static let header = "traceparent"
    static let stateHeader = "tracestate"

    /// The headers to put on the records a stage writes for `message`, or [] when it carries no valid
    /// `traceparent`.
    static func childHeaders(of message: KafkaMessage, stage: String, source: SourceCoordinates) -> [KafkaHeader] {
        guard !message.headers.isEmpty else { return [] }
        var parent: [UInt8]?
        var state: KafkaHeader?
        for h in message.headers {
            if h.key == header { parent = h.value } else if h.key == stateHeader { state = h }
        }
        guard let parent, let child = child(of: parent, stage: stage, source: source) else { return [] }
        var out = [KafkaHeader(key: header, value: child)]
        if let state { out.append(state) }
        return out
    }

    /// `00-<trace id>-<new span id>-<flags>` for a valid version-00 `traceparent`, else nil.
    static func child(of parent: [UInt8], stage: String, source: SourceCoordinates) -> [UInt8]? {
        // 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 bytes; lowercase hex; trace id and parent id not all zero.
        guard parent.count == 55, parent[0] == UInt8(ascii: "0"), parent[1] == UInt8(ascii: "0"),
              parent[2] == UInt8(ascii: "-"), parent[35] == UInt8(ascii: "-"), parent[52] == UInt8(ascii: "-")
        else { return nil }
        func isHex(_ range: Range<Int>) -> Bool {
            parent[range].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
        func allZero(_ range: Range<Int>) -> Bool { parent[range].allSatisfy { $0 == UInt8(ascii: "0") } }
        guard isHex(3..<35), isHex(36..<52), isHex(53..<55), !allZero(3..<35), !allZero(36..<52) else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for b in bytes {
                hash ^= UInt64(b)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        mix(parent[3..<35])
        mix(stage.utf8)
        mix(source.topic.utf8)
        mix(String(source.partition).utf8)
        mix(String(source.offset).utf8)
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        if hash == 0 { hash = 1 }
        let digits = Array("0123456789abcdef".utf8)
        var out = Array(parent[0..<36])
        for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((hash >> UInt64(shift)) & 0xf)]) }
        out.append(contentsOf: parent[52..<55])
        return out
    }
}

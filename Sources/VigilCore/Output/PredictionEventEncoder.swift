/// Encodes prediction events (schema `prediction` v1, docs/events.md): one per scored input event and model.
///
/// ```json
/// {"v":1,"type":"prediction","event_id":"transactions:3:42","topology":"fraud-scoring","key":"c000123",
///  "txn_id":"t000000042","ts":1767225600000,"model":"fraud-demo","model_version":"3","role":"champion",
///  "score":0.0123,"decision":"legit","features_hash":"6a1e0c3f9b2d4e57",
///  "source":{"topic":"transactions","partition":3,"offset":42}}
/// ```
/// The value is a pure function of the input event, its features and the model: the processing latency, which is
/// not, travels in the record's `vigil.latency_ms` header (decision 0005).
public struct PredictionEventEncoder: Sendable {
    public let topology: String
    /// `"topology":"…","key":`, escaped once.
    private let header: [UInt8]

    public init(topology: String) {
        self.topology = topology
        header = FeatureEventEncoder.topologyAndKey(topology)
    }

    /// What a prediction says, apart from where its event came from.
    public struct Prediction: Sendable, Equatable {
        public var model: String
        public var version: String
        /// `champion` (the live decision of the champion), `canary` (the live decision of the challenger, for a key
        /// in the canary fraction) or `shadow` (not live: it raises no alert).
        public var role: String
        public var score: Double
        /// `fraud`, `review` or `legit` (the bundle's thresholds).
        public var decision: String
        /// FNV-1a 64 of the model's input vector (docs/models.md).
        public var featuresHash: UInt64

        public init(model: String, version: String, role: String, score: Double, decision: String, featuresHash: UInt64) {
            self.model = model
            self.version = version
            self.role = role
            self.score = score
            self.decision = decision
            self.featuresHash = featuresHash
        }
    }

    /// Writes the event into `writer`, replacing its contents.
    public func encode(
        key: String?, id: String?, timestamp: Int64, source: SourceCoordinates, prediction: Prediction,
        into writer: inout JSONByteWriter
    ) {
        writer.bytes.removeAll(keepingCapacity: true)
        writer.raw("{\"v\":1,\"type\":\"prediction\",\"event_id\":\"")
        writer.sourceID(source)
        writer.raw("\",")
        writer.bytes.append(contentsOf: header)
        FeatureEventEncoder.optionalString(key, into: &writer)
        writer.raw(",")
        if let id { writer.member("txn_id", id) }
        writer.member("ts", timestamp)
        writer.member("model", prediction.model)
        writer.member("model_version", prediction.version)
        writer.member("role", prediction.role)
        writer.member("score", prediction.score)
        writer.member("decision", prediction.decision)
        writer.key("features_hash")
        writer.hex(prediction.featuresHash)
        writer.raw(",")
        writer.source(source)
        writer.raw("}")
    }
}

extension JSONByteWriter {
    /// Appends `"key":"value",`.
    mutating func member(_ key: StaticString, _ value: String) {
        self.key(key)
        string(value)
        raw(",")
    }

    /// Appends `"key":value,` for an integer.
    mutating func member(_ key: StaticString, _ value: Int64) {
        self.key(key)
        int(value)
        raw(",")
    }

    /// Appends `"key":value,` for a double (shortest round-trip form).
    mutating func member(_ key: StaticString, _ value: Double) {
        self.key(key)
        double(value)
        raw(",")
    }

    /// Appends `topic:partition:offset` (inside a string literal).
    mutating func sourceID(_ source: SourceCoordinates) {
        stringContents(source.topic)
        raw(":")
        int(Int64(source.partition))
        raw(":")
        int(source.offset)
    }

    /// Appends `"source":{"topic":…,"partition":…,"offset":…}`.
    mutating func source(_ source: SourceCoordinates) {
        raw("\"source\":{")
        key("topic")
        string(source.topic)
        raw(",")
        key("partition")
        int(Int64(source.partition))
        raw(",")
        key("offset")
        int(source.offset)
        raw("}")
    }

    /// Appends a 64-bit value as a 16-digit lowercase hexadecimal string literal.
    mutating func hex(_ value: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        bytes.append(UInt8(ascii: "\""))
        digits.withUTF8Buffer { d in
            for shift in stride(from: 60, through: 0, by: -4) {
                bytes.append(d[Int((value >> UInt64(shift)) & 0xf)])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

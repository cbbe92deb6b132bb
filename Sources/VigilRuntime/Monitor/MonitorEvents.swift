import VigilCore

/// A small ordered JSON object writer for the monitor's events (a few per window, not per event): keys in the
/// order written, numbers in `JSONByteWriter`'s deterministic form, so a replay writes the same bytes.
struct MonitorJSON {
    var writer = JSONByteWriter(capacity: 512)
    private var first = true

    init(type: String, topology: String?) {
        writer.raw("{")
        field("v", 1)
        field("type", type)
        if let topology { field("topology", topology) }
    }

    private mutating func comma() {
        if !first { writer.raw(",") }
        first = false
    }

    mutating func field(_ key: String, _ value: String) {
        comma()
        writer.key(key)
        writer.string(value)
    }

    mutating func field(_ key: String, _ value: String?) {
        guard let value else { return nullField(key) }
        field(key, value)
    }

    mutating func field(_ key: String, _ value: Int64) {
        comma()
        writer.key(key)
        writer.int(value)
    }

    mutating func field(_ key: String, _ value: Int64?) {
        guard let value else { return nullField(key) }
        field(key, value)
    }

    mutating func field(_ key: String, _ value: Int) { field(key, Int64(value)) }
    mutating func field(_ key: String, _ value: UInt64) { field(key, Int64(clamping: value)) }

    /// A double, or null when nil or not finite.
    mutating func field(_ key: String, _ value: Double?) {
        comma()
        writer.key(key)
        if let value { writer.double(value) } else { writer.raw("null") }
    }

    mutating func field(_ key: String, _ value: Bool) {
        comma()
        writer.key(key)
        writer.raw(value ? "true" : "false")
    }

    mutating func field(_ key: String, _ values: [String]) {
        comma()
        writer.key(key)
        writer.raw("[")
        for (i, v) in values.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.string(v)
        }
        writer.raw("]")
    }

    /// An object of numbers, keys sorted.
    mutating func field(_ key: String, _ values: [String: Double]) {
        comma()
        writer.key(key)
        writer.raw("{")
        for (i, k) in values.keys.sorted().enumerated() {
            if i > 0 { writer.raw(",") }
            writer.key(k)
            writer.double(values[k]!)
        }
        writer.raw("}")
    }

    mutating func nullField(_ key: String) {
        comma()
        writer.key(key)
        writer.raw("null")
    }

    mutating func finish() -> [UInt8] {
        writer.raw("}")
        return writer.bytes
    }
}

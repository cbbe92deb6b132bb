import VigilCore

/// A key's latest per-event feature values in one stage, as kept for interactive queries
/// (`/features/{stage}/{key}`, docs/observability.md): event time i64 · count u16 · per value a tag u8 (0 missing,
/// 1 int, 2 decimal units, 3 double) and 8 bytes, little-endian.
public enum LatestValues {
    static func encode(timestamp: Int64, values: [FeatureValue]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(10 + 9 * values.count)
        out.appendLittleEndian(timestamp)
        withUnsafeBytes(of: UInt16(values.count).littleEndian) { out.append(contentsOf: $0) }
        for v in values {
            switch v {
            case .missing:
                out.append(0)
                out.appendLittleEndian(Int64(0))
            case .int(let i):
                out.append(1)
                out.appendLittleEndian(i)
            case .decimal(let units):
                out.append(2)
                out.appendLittleEndian(units)
            case .double(let d):
                out.append(3)
                out.appendLittleEndian(Int64(bitPattern: d.bitPattern))
            }
        }
        return out
    }

    /// Decodes what `encode` wrote; nil when malformed.
    public static func decode(_ bytes: [UInt8]) -> (timestamp: Int64, values: [FeatureValue])? {
        func int64(at i: Int) -> Int64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            return Int64(bitPattern: v)
        }
        guard bytes.count >= 10 else { return nil }
        let timestamp = int64(at: 0)
        let count = Int(bytes[8]) | Int(bytes[9]) << 8
        guard bytes.count == 10 + 9 * count else { return nil }
        var values: [FeatureValue] = []
        for i in 0..<count {
            let at = 10 + 9 * i
            let raw = int64(at: at + 1)
            switch bytes[at] {
            case 0: values.append(.missing)
            case 1: values.append(.int(raw))
            case 2: values.append(.decimal(units: raw))
            case 3: values.append(.double(Double(bitPattern: UInt64(bitPattern: raw))))
            default: return nil
            }
        }
        return (timestamp, values)
    }
}

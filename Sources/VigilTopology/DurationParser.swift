/// Parses the duration syntax of topology files: an integer followed by a unit, `500ms`, `30s`, `5m`, `1h`, `7d`.
public enum DurationParser {
    /// Milliseconds in `text`, or nil if it is not a duration.
    public static func milliseconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" must win over "s": "500ms".dropLast(1) = "500m" is not a number, so order alone is enough.
            guard !number.isEmpty, number.allSatisfy(\.isASCII), let n = Int64(number), n >= 0 else { continue }
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return nil
    }

    /// `3600000` → `1h`: the largest unit that divides the value.
    public static func format(_ millis: Int64) -> String {
        for (suffix, factor) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        where millis != 0 && millis % factor == 0 {
            return "\(millis / factor)\(suffix)"
        }
        return "\(millis)ms"
    }
}

import Logging

/// Formats a log record as one line (without the newline) in each `LogFormat`. Pure functions.
///
/// - JSON: `{"ts":"2026-01-31T12:00:00.123Z","level":"info","label":"vigil.run","msg":"…",…}`: the four fixed keys
///   first, then the metadata sorted by key, nested values as JSON arrays and objects (their keys sorted too).
///   A metadata key equal to a fixed key gets a `_` appended. Strings are escaped as RFC 8259 requires (`"`, `\`,
///   control characters); other characters are written as UTF-8.
/// - logfmt: `ts=… level=info label=vigil.run msg="…" thread=0`: the same order; nested metadata flattened with
///   dotted keys (`kafka.topic=t`, `hosts.0=a`). A value is quoted when it is empty or holds a space, `=`, `"` or a
///   control character; inside quotes `"` and `\` are escaped, and control characters as `\n`, `\t`, `\r`, `\u00XX`.
/// - text: swift-log's `StreamLogHandler` line: `<timestamp> <level> <label>: <k=v …> [<source>] <message>`.
public enum LogLineFormatter {
    /// The keys every JSON and logfmt line starts with, in order.
    public static let fixedKeys = ["ts", "level", "label", "msg"]

    /// The record as a line of `format`; `localTimestamp` is the text format's time (local, to the second).
    public static func line(_ record: LogRecord, format: LogFormat, localTimestamp: @autoclosure () -> String) -> String {
        switch format {
        case .json: json(record)
        case .logfmt: logfmt(record)
        case .text: text(record, timestamp: localTimestamp())
        }
    }

    /// The record as a JSON object on one line.
    public static func json(_ record: LogRecord) -> String {
        var out = "{\"ts\":\""
        out += rfc3339(seconds: record.seconds, nanoseconds: record.nanoseconds)
        out += "\",\"level\":"
        appendJSONString(record.level.rawValue, to: &out)
        out += ",\"label\":"
        appendJSONString(record.label, to: &out)
        out += ",\"msg\":"
        appendJSONString(record.message, to: &out)
        for (key, value) in sortedMetadata(record.metadata) {
            out += ","
            appendJSONString(key, to: &out)
            out += ":"
            appendJSON(value, to: &out)
        }
        return out + "}"
    }

    /// The record as a logfmt line.
    public static func logfmt(_ record: LogRecord) -> String {
        var out = "ts=" + rfc3339(seconds: record.seconds, nanoseconds: record.nanoseconds)
        out += " level=" + record.level.rawValue
        out += " label="
        appendLogfmtValue(record.label, to: &out)
        out += " msg="
        appendLogfmtValue(record.message, to: &out)
        for (key, value) in sortedMetadata(record.metadata) {
            appendLogfmt(key: logfmtKey(key), value, to: &out)
        }
        return out
    }

    /// The record as swift-log's `StreamLogHandler` writes it (today's `text` format).
    public static func text(_ record: LogRecord, timestamp: String) -> String {
        let pretty = record.metadata.isEmpty
            ? nil : record.metadata.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        return "\(timestamp) \(record.level)\(record.label.isEmpty ? "" : " ")\(record.label):\(pretty.map { " \($0)" } ?? "") [\(record.source)] \(record.message)"
    }

    /// RFC 3339 UTC time with milliseconds: `2026-01-31T12:00:00.123Z`.
    public static func rfc3339(seconds: Int64, nanoseconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        let h = Int64(secondOfDay / 3_600), m = Int64(secondOfDay / 60 % 60), s = Int64(secondOfDay % 60)
        let ms = Int64(max(0, min(999, nanoseconds / 1_000_000)))
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(ms, 3))Z"
    }

    /// Metadata sorted by key, with keys that collide with a fixed key renamed (`msg` → `msg_`).
    static func sortedMetadata(_ metadata: Logger.Metadata) -> [(String, Logger.MetadataValue)] {
        metadata.map { key, value in (fixedKeys.contains(key) ? key + "_" : key, value) }.sorted { $0.0 < $1.0 }
    }

    // MARK: JSON

    static func appendJSON(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let s): appendJSONString(s, to: &out)
        case .stringConvertible(let c): appendJSONString(c.description, to: &out)
        case .array(let values):
            out += "["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                appendJSON(v, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (i, (k, v)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out += "," }
                appendJSONString(k, to: &out)
                out += ":"
                appendJSON(v, to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal: `"`, `\` and control characters escaped (RFC 8259), the rest as UTF-8.
    static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20: out += unicodeEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: false)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: logfmt

    static func appendLogfmt(key: String, _ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let s):
            out += " " + key + "="
            appendLogfmtValue(s, to: &out)
        case .stringConvertible(let c):
            out += " " + key + "="
            appendLogfmtValue(c.description, to: &out)
        case .array(let values):
            if values.isEmpty { out += " " + key + "=[]" }
            for (i, v) in values.enumerated() { appendLogfmt(key: "\(key).\(i)", v, to: &out) }
        case .dictionary(let dictionary):
            if dictionary.isEmpty { out += " " + key + "={}" }
            for (k, v) in dictionary.sorted(by: { $0.key < $1.key }) {
                appendLogfmt(key: key + "." + logfmtKey(k), v, to: &out)
            }
        }
    }

    /// A key without the characters logfmt cannot hold in one (space, control, `=`, `"`): each becomes `_`.
    static func logfmtKey(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        var out = ""
        for scalar in key.unicodeScalars {
            if scalar.value <= 0x20 || scalar == "=" || scalar == "\"" || scalar.value == 0x7F {
                out += "_"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func appendLogfmtValue(_ s: String, to out: inout String) {
        let needsQuotes = s.isEmpty || s.unicodeScalars.contains {
            $0.value <= 0x20 || $0 == "=" || $0 == "\"" || $0.value == 0x7F
        }
        guard needsQuotes else {
            out += s
            return
        }
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += unicodeEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

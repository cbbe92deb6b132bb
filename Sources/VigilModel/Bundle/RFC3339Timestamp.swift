/// An instant read from an RFC 3339 date-time (`2026-01-15T10:30:00Z`, `2026-01-15T11:30:00.250+01:00`).
///
/// Keeps the text as written and the instant in milliseconds since the Unix epoch (digits past milliseconds are
/// truncated). Accepts `T`/`t` (or a space) between date and time, `Z`/`z` or a `±hh:mm` offset, and any number
/// of fractional digits; a leap second (`:60`) is read as the following second.
public struct RFC3339Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The text as written in the manifest.
    public let text: String
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let epochMilliseconds: Int64

    /// Parses an RFC 3339 date-time; nil if `text` is not one.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<(start + count) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2),
            b[7] == UInt8(ascii: "-"), let day = digits(8, 2),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
            b[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return nil }
        var i = 19
        var millis = 0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count && b[i] >= 48 && b[i] <= 57 {
                if i - start < 3 { millis = millis * 10 + Int(b[i] - 48) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in min(i - start, 3)..<3 { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetMinutes = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                oh <= 23, om <= 59
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard month >= 1 && month <= 12, day >= 1 && day <= monthDays[month - 1], hour <= 23, minute <= 59,
            second <= 60
        else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
        self.text = text
        self.epochMilliseconds = Int64(seconds) * 1_000 + Int64(millis)
    }

    /// Equal when the instants are equal, however written.
    public static func == (lhs: RFC3339Timestamp, rhs: RFC3339Timestamp) -> Bool {
        lhs.epochMilliseconds == rhs.epochMilliseconds
    }

    /// Hashes the instant.
    public func hash(into hasher: inout Hasher) { hasher.combine(epochMilliseconds) }

    /// Orders by instant.
    public static func < (lhs: RFC3339Timestamp, rhs: RFC3339Timestamp) -> Bool {
        lhs.epochMilliseconds < rhs.epochMilliseconds
    }

    /// The text as written.
    public var description: String { text }
}

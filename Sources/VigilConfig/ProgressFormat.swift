import Foundation

/// The text of progress output: pure functions of counts, rate and time.
public enum ProgressFormat {
    /// A bar of `width` cells between brackets, `#` for the done share: `[#####-----]` at 0.5.
    public static func bar(fraction: Double, width: Int) -> String {
        let cells = max(1, width)
        let clamped = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let filled = min(cells, Int((clamped * Double(cells)).rounded(.down)))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: cells - filled) + "]"
    }

    /// A rate, short: `950/s`, `45.2k/s`, `1.25M/s`; `-/s` when unknown.
    public static func rate(_ perSecond: Double) -> String {
        guard perSecond.isFinite, perSecond >= 0 else { return "-/s" }
        if perSecond < 999.5 { return String(format: "%.0f/s", perSecond) }
        if perSecond < 999_950 { return String(format: "%.1fk/s", perSecond / 1_000) }
        return String(format: "%.2fM/s", perSecond / 1_000_000)
    }

    /// A duration, short: `42s`, `3m05s`, `2h07m`; `?` when unknown (not finite, negative).
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "?" }
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3_600 { return "\(s / 60)m" + two(s % 60) + "s" }
        return "\(s / 3_600)h" + two(s / 60 % 60) + "m"
    }

    /// Seconds left for `remaining` events at `rate`; nil when the rate is not positive.
    public static func eta(remaining: Int, rate: Double) -> Double? {
        guard rate > 0, rate.isFinite else { return nil }
        return Double(max(0, remaining)) / rate
    }

    /// The done share as a whole percentage, 0...100 (100 for an empty total).
    public static func percent(events: Int, total: Int) -> Int {
        guard total > 0 else { return 100 }
        return min(100, max(0, Int(100 * Double(events) / Double(total))))
    }

    /// The updating line on a terminal, at most `width - 1` characters:
    /// `replay [########----------]  40%  400000/1000000 events  45.2k/s  ETA 14s  <detail>`, or without a total
    /// `backfill  400000 events  45.2k/s  <detail>`.
    public static func terminalLine(
        task: String, events: Int, total: Int?, rate: Double?, detail: String = "", width: Int = 80
    ) -> String {
        let rateText = rate.map(Self.rate) ?? "-/s"
        let extra = detail.isEmpty ? "" : "  " + detail
        var line: String
        if let total {
            let pct = percent(events: events, total: total)
            let etaText = rate.flatMap { eta(remaining: total - events, rate: $0) }.map(duration) ?? "?"
            let tail = " \(pct < 10 ? "  " : pct < 100 ? " " : "")\(pct)%  \(events)/\(total) events  \(rateText)  ETA \(etaText)\(extra)"
            // The bar's width depends on the terminal's only, so that it does not jump as the numbers change.
            let barWidth = min(30, max(10, width / 4))
            let fraction = total > 0 ? Double(events) / Double(total) : 1
            line = task + " " + bar(fraction: fraction, width: barWidth) + tail
        } else {
            line = "\(task)  \(events) events  \(rateText)\(extra)"
        }
        if line.count > width - 1 { line = String(line.prefix(max(1, width - 1))) }
        return line
    }

    /// A line for a log or pipe: `replay: 400000 of 1000000 events (40%), 45200 events/s, ETA 14s, <detail>`, or
    /// without a total `backfill: 400000 events, 45200 events/s, <detail>`.
    public static func plainLine(task: String, events: Int, total: Int?, rate: Double?, detail: String = "") -> String {
        var line = "\(task): \(events)"
        if let total { line += " of \(total) events (\(percent(events: events, total: total))%)" } else { line += " events" }
        line += ", " + (rate.map { String(format: "%.0f", $0) } ?? "-") + " events/s"
        if let total, let rate, let eta = eta(remaining: total - events, rate: rate) {
            line += ", ETA " + duration(eta)
        }
        if !detail.isEmpty { line += ", " + detail }
        return line
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// Progress of a long piece of work (replay, backfill, generate, `run --until-caught-up`) on standard error: on a
/// terminal one updating line with a bar, the rate and the ETA (when the total is known), twice a second;
/// otherwise a plain line every 5 seconds, or — when logs are JSON or logfmt — a log record every 5 seconds, so that
/// standard error stays machine-readable.
///
/// Thread-safe: `update` may be called from any thread, as often as wanted (it only reads a clock until the next
/// line is due); lines go through a `StandardErrorWriter`, so log lines and the progress line do not mix.
public final class Progress: Sendable {
    /// How progress is shown.
    public enum Style: Sendable {
        /// One line redrawn in place, at most `width - 1` characters.
        case terminal(width: Int)
        /// A new line each time.
        case lines
        /// An info record `progress` with metadata `task`, `events`, `total`, `events_per_second`, `eta_seconds`,
        /// `detail` (those known).
        case log(Logger)
    }

    /// What is being done (`replay`, `backfill`, `generate`, `run`).
    public let task: String
    public let style: Style
    /// Seconds between two lines.
    public let interval: Double
    private let output: StandardErrorWriter
    private let now: @Sendable () -> Double
    private let state: Mutex<State>

    private struct State {
        var total: Int?
        var lastTime: Double
        var lastEvents = 0
        var rate: Double?
    }

    /// - Parameters:
    ///   - total: events in all, when known (the bar and the ETA need it).
    ///   - interval: seconds between lines; default 0.5 on a terminal, 5 otherwise.
    ///   - now: a monotonic clock in seconds (tests pass their own).
    public init(
        task: String, total: Int? = nil, style: Style, output: StandardErrorWriter = .shared, interval: Double? = nil,
        now: @escaping @Sendable () -> Double = Progress.monotonicSeconds
    ) {
        self.task = task
        self.style = style
        if case .terminal = style { self.interval = interval ?? 0.5 } else { self.interval = interval ?? 5 }
        self.output = output
        self.now = now
        state = Mutex(State(total: total, lastTime: now()))
    }

    /// Progress on this process's standard error: a terminal line when it is a terminal (width from `COLUMNS`,
    /// default 80), plain lines otherwise.
    public static func standardError(task: String, total: Int? = nil) -> Progress {
        guard isatty(2) != 0 else { return Progress(task: task, total: total, style: .lines) }
        let width = getenv("COLUMNS").flatMap { Int(String(cString: $0)) }.flatMap { $0 >= 20 ? $0 : nil } ?? 80
        return Progress(task: task, total: total, style: .terminal(width: width))
    }

    /// Reports `events` done (of `total`, when given: it replaces the one known so far); writes a line when one is
    /// due. `detail` (`"1200 rows"`) is evaluated only then.
    public func update(events: Int, total: Int? = nil, detail: @autoclosure () -> String = "") {
        let time = now()
        state.withLock { s in
            if let total { s.total = total }
            let elapsed = time - s.lastTime
            guard elapsed >= interval else { return }
            let instant = Double(events - s.lastEvents) / elapsed
            // On a terminal the rate is smoothed over the last few half-seconds; plain lines show each interval's.
            var weight = 1.0
            if case .terminal = style { weight = 0.3 }
            s.rate = s.rate.map { $0 + weight * (instant - $0) } ?? instant
            s.lastTime = time
            s.lastEvents = events
            switch style {
            case .terminal(let width):
                output.writeStatus(ProgressFormat.terminalLine(
                    task: task, events: events, total: s.total, rate: s.rate, detail: detail(), width: width))
            case .lines:
                output.writeLine(ProgressFormat.plainLine(
                    task: task, events: events, total: s.total, rate: s.rate, detail: detail()))
            case .log(let logger):
                var metadata: Logger.Metadata = ["task": "\(task)", "events": "\(events)"]
                if let total = s.total { metadata["total"] = "\(total)" }
                if let rate = s.rate, rate.isFinite { metadata["events_per_second"] = "\(Int(rate.rounded()))" }
                if let total = s.total, let rate = s.rate, let eta = ProgressFormat.eta(remaining: total - events, rate: rate) {
                    metadata["eta_seconds"] = "\(Int(eta.rounded(.up)))"
                }
                let text = detail()
                if !text.isEmpty { metadata["detail"] = "\(text)" }
                logger.info("progress", metadata: metadata)
            }
        }
    }

    /// Ends the progress: clears the terminal line (the caller prints its summary next).
    public func finish() {
        if case .terminal = style { output.clearStatus() }
    }

    /// Seconds on the monotonic clock.
    public static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

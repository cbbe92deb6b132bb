import Logging
import Synchronization
import Testing
@testable import VigilConfig

@Suite struct ProgressFormatTests {
    @Test("The bar fills in proportion, clamped to its ends", arguments: [
        (0.0, 10, "[----------]"), (0.5, 10, "[#####-----]"), (0.99, 10, "[#########-]"), (1.0, 10, "[##########]"),
        (1.7, 4, "[####]"), (-1, 4, "[----]"), (Double.nan, 4, "[----]"),
    ])
    func bar(fraction: Double, width: Int, expected: String) {
        #expect(ProgressFormat.bar(fraction: fraction, width: width) == expected)
    }

    @Test("Rates are short", arguments: [
        (0.0, "0/s"), (950.4, "950/s"), (999.6, "1.0k/s"), (45_230, "45.2k/s"), (1_250_000, "1.25M/s"),
        (Double.infinity, "-/s"), (-3, "-/s"),
    ])
    func rate(value: Double, expected: String) {
        #expect(ProgressFormat.rate(value) == expected)
    }

    @Test("Durations are short", arguments: [
        (0.0, "0s"), (41.2, "42s"), (60, "1m00s"), (185, "3m05s"), (3_600, "1h00m"), (7_620, "2h07m"),
        (Double.nan, "?"), (-1, "?"), (Double.infinity, "?"),
    ])
    func duration(seconds: Double, expected: String) {
        #expect(ProgressFormat.duration(seconds) == expected)
    }

    @Test("ETA is what is left at the rate; unknown without a rate")
    func eta() {
        #expect(ProgressFormat.eta(remaining: 600_000, rate: 40_000) == 15)
        #expect(ProgressFormat.eta(remaining: -5, rate: 10) == 0)
        #expect(ProgressFormat.eta(remaining: 10, rate: 0) == nil)
        #expect(ProgressFormat.percent(events: 400, total: 1_000) == 40)
        #expect(ProgressFormat.percent(events: 2_000, total: 1_000) == 100)
        #expect(ProgressFormat.percent(events: 0, total: 0) == 100)
    }

    @Test("Terminal line: bar, percentage, counts, rate, ETA, detail, within the width")
    func terminalLine() {
        let line = ProgressFormat.terminalLine(
            task: "replay", events: 400_000, total: 1_000_000, rate: 40_000, detail: "12 outputs", width: 100)
        #expect(line == "replay [##########---------------]  40%  400000/1000000 events  40.0k/s  ETA 15s  12 outputs")
        let narrow = ProgressFormat.terminalLine(task: "replay", events: 5, total: 1_000, rate: nil, width: 60)
        #expect(narrow == "replay [---------------]   0%  5/1000 events  -/s  ETA ?")
        let tiny = ProgressFormat.terminalLine(task: "replay", events: 5, total: 1_000, rate: 3, width: 30)
        #expect(tiny.count == 29, "never wider than the terminal (a wrapped line cannot be redrawn with \\r)")
        let open = ProgressFormat.terminalLine(task: "backfill", events: 120, total: nil, rate: 1_500, detail: "100 rows")
        #expect(open == "backfill  120 events  1.5k/s  100 rows")
    }

    @Test("Plain line: counts, share, rate, ETA when the total is known")
    func plainLine() {
        #expect(ProgressFormat.plainLine(task: "replay", events: 400_000, total: 1_000_000, rate: 40_000)
            == "replay: 400000 of 1000000 events (40%), 40000 events/s, ETA 15s")
        #expect(ProgressFormat.plainLine(task: "backfill", events: 120, total: nil, rate: 1_500.4, detail: "100 rows")
            == "backfill: 120 events, 1500 events/s, 100 rows")
    }
}

@Suite struct ProgressTests {
    /// A clock the test moves.
    final class FakeClock: Sendable {
        let value = Mutex(0.0)
        func advance(_ s: Double) { value.withLock { $0 += s } }
        var now: @Sendable () -> Double { { self.value.withLock { $0 } } }
    }

    @Test("Plain lines come every interval, with the interval's rate; nothing in between")
    func plainLines() {
        let clock = FakeClock()
        let captured = Captured()
        let writer = StandardErrorWriter { captured.write(String(decoding: $0, as: UTF8.self)) }
        let progress = Progress(task: "generate", total: 1_000, style: .lines, output: writer, now: clock.now)
        progress.update(events: 10)
        clock.advance(4.9)
        progress.update(events: 100)
        #expect(captured.text.isEmpty, "not before the 5 s interval")
        clock.advance(0.1)
        progress.update(events: 250)
        clock.advance(5)
        progress.update(events: 750, detail: "x")
        progress.finish()
        #expect(captured.text == """
            generate: 250 of 1000 events (25%), 50 events/s, ETA 15s
            generate: 750 of 1000 events (75%), 100 events/s, ETA 3s, x

            """)
    }

    @Test("On a terminal one line is redrawn with \\r, log lines clear it first, finish clears it")
    func terminalLine() {
        let clock = FakeClock()
        let captured = Captured()
        let writer = StandardErrorWriter { captured.write(String(decoding: $0, as: UTF8.self)) }
        let progress = Progress(task: "replay", style: .terminal(width: 80), output: writer, now: clock.now)
        clock.advance(0.5)
        progress.update(events: 500, total: 1_000)
        writer.writeLine("a log line")
        clock.advance(0.5)
        progress.update(events: 1_000)
        progress.finish()
        progress.finish()
        let erase = "\u{1B}[K"
        #expect(captured.text == """
            \rreplay [##########----------]  50%  500/1000 events  1.0k/s  ETA 1s\(erase)\
            \r\(erase)a log line
            \rreplay [####################] 100%  1000/1000 events  1.0k/s  ETA 0s\(erase)\
            \r\(erase)
            """)
    }
}

@Suite struct ProgressLogStyleTests {
    @Test("With structured logs, progress is an info record with its numbers as metadata")
    func logRecords() {
        let clock = ProgressTests.FakeClock()
        let captured = Captured()
        let writer = StandardErrorWriter { captured.write(String(decoding: $0, as: UTF8.self)) }
        var logger = Logger(label: "vigil") { StructuredLogHandler(label: $0, format: .logfmt, output: writer) }
        logger.logLevel = .info
        let progress = Progress(task: "replay", total: 1_000, style: .log(logger), output: writer, now: clock.now)
        clock.advance(5)
        progress.update(events: 400, detail: "3 outputs")
        let line = captured.text
        #expect(line.hasSuffix(#" level=info label=vigil msg=progress detail="3 outputs" eta_seconds=8 events=400 events_per_second=80 task=replay total=1000"# + "\n"))
    }
}

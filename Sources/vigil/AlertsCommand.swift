import ArgumentParser
import Foundation
import Synchronization
import VigilRuntime

/// `vigil alerts`: tools for the alert topic.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Read alert events.",
        subcommands: [AlertsTail.self])
}

/// `vigil alerts tail`: prints alerts as they arrive (docs/events.md, alert v1).
struct AlertsTail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print alerts as they arrive, as a consumer-group member (Ctrl-C stops; offsets are committed).")

    @Option(help: "The alerts topic (a topology's sinks.alerts; default <name>-alerts).") var topic: String
    @Option(help: "Show alerts at or above this severity: info, warning, critical.") var minSeverity: String = "info"
    @Option(help: "json (the events as they are, one per line) or table.") var format: String = "table"
    @Option(help: "Consumer group id (a restarted tail with the same group goes on where it stopped).")
    var group: String = "vigil-alerts-tail"
    @Flag(help: "Start from the oldest alert when the group has no committed offset (default: only new alerts).")
    var fromBeginning = false
    @Option(help: "Stop after this many alerts have been printed.") var max: Int?
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        guard let severity = AlertView.Severity(rawValue: minSeverity) else {
            throw ValidationError("unknown severity \"\(minSeverity)\": one of info, warning, critical")
        }
        guard let format = AlertTail.Format(rawValue: format) else {
            throw ValidationError("unknown format \"\(format)\": json or table")
        }
        guard let bootstrap = kafka.bootstrapServers else {
            throw ValidationError("--bootstrap-servers is required (see `vigil dev-broker` for a local cluster)")
        }
        let logger = try logging.makeLogger("vigil.alerts")
        var options = AlertTail.Options(topic: topic, bootstrapServers: bootstrap)
        options.properties = try kafka.parsedProperties()
        options.groupID = group
        options.minSeverity = severity
        options.format = format
        options.fromBeginning = fromBeginning
        let tail = try AlertTail(options: options, logger: logger)
        defer { tail.close() }
        let stop = Atomic<Bool>(false)
        let signals = ShutdownSignals { stop.store(true, ordering: .relaxed) }
        var printed = 0
        try tail.run(shouldStop: { stop.load(ordering: .relaxed) || (max.map { printed >= $0 } ?? false) }) { line in
            print(line)
            fflush(nil)
            if !line.hasPrefix(AlertView.tableHeader) { printed += 1 }
        }
        withExtendedLifetime(signals) {}
        if tail.unreadable > 0 { printError("\(tail.unreadable) records on \(topic) were not alert events (skipped)") }
    }
}

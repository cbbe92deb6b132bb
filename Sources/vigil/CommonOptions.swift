import ArgumentParser
import Foundation
import Logging

/// Options every command that talks to Kafka shares.
struct KafkaOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers"), help: "Kafka bootstrap servers (host:port,...).")
    var bootstrapServers: String?

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property for every client, as key=value (repeatable).", valueName: "key=value"))
    var properties: [String] = []

    func parsedProperties() throws -> [String: String] {
        var result: [String: String] = [:]
        for item in properties {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("-X expects key=value, got \"\(item)\"")
            }
            result[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return result
    }
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func makeLogger(_ label: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level \"\(logLevel)\"")
        }
        LoggingBootstrap.once(level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// Bootstraps swift-log once per process: human-readable lines on standard error.
enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false

    static func once(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Writes a line to standard error (progress and diagnostics; standard output carries results).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

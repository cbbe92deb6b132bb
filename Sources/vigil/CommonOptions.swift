import ArgumentParser
import Foundation
import Logging
import VigilConfig

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

/// `--log-level` and `--log-format`, for every command (docs/configuration.md).
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info; env VIGIL_LOG_LEVEL).")
    var logLevel: String?

    @Option(help: "Log format on standard error: text, json or logfmt (default text; env VIGIL_LOG_FORMAT).")
    var logFormat: String?

    /// The two flags as a configuration layer.
    var layer: ConfigurationLayer {
        var layer = ConfigurationLayer()
        layer.set(.logLevel, logLevel, origin: .flag(ConfigKey.logLevel.flag))
        layer.set(.logFormat, logFormat, origin: .flag(ConfigKey.logFormat.flag))
        return layer
    }

    /// A logger with level and format from the flags, else the environment (`VIGIL_LOG_LEVEL`, `VIGIL_LOG_FORMAT`),
    /// else `defaultLevel` and text; bootstraps logging on the first call. `vigil run` resolves its whole
    /// configuration instead and calls `LoggingBootstrap.logger`.
    func makeLogger(_ label: String, defaultLevel: Logger.Level = .info) throws -> Logger {
        let environment = ConfigurationLayer.environment(ProcessInfo.processInfo.environment).layer
        var logEnvironment = ConfigurationLayer()
        for key in [ConfigKey.logLevel, .logFormat] { logEnvironment.values[key] = environment.values[key] }
        var defaults = ConfigurationLayer()
        defaults.set(.logLevel, defaultLevel.rawValue, origin: .default)
        let config = try resolveConfigurationOrExit([layer, logEnvironment, defaults])
        return LoggingBootstrap.logger(label, level: config.logLevel, format: config.logFormat)
    }
}

/// Merges configuration layers, or prints every problem and exits with status 2 (as a broken topology does).
func resolveConfigurationOrExit(_ layers: [ConfigurationLayer]) throws -> EffectiveConfiguration {
    do {
        return try EffectiveConfiguration.resolve(layers)
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

/// Writes a line to standard error (progress and diagnostics; standard output carries results). With JSON or logfmt
/// logs it is written as a `notice` record of `vigil`, so that standard error stays machine-readable.
func printError(_ text: String) {
    if let logger = LoggingBootstrap.diagnostics {
        logger.notice("\(text)")
    } else {
        StandardErrorWriter.shared.writeLine(text)
    }
}

/// Progress of long work on standard error (docs/configuration.md): a bar on a terminal, plain lines otherwise, log
/// records when logs are JSON or logfmt.
func makeProgress(task: String, total: Int? = nil) -> VigilConfig.Progress {
    if let logger = LoggingBootstrap.diagnostics {
        return Progress(task: task, total: total, style: .log(logger))
    }
    return Progress.standardError(task: task, total: total)
}

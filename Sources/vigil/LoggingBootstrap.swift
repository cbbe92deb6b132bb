import Logging
import Synchronization
import VigilConfig

/// Bootstraps swift-log once per process: every logger writes through a `StructuredLogHandler` to standard error,
/// in the format the first command-line logger asked for.
enum LoggingBootstrap {
    private static let state = Mutex<(done: Bool, diagnostics: Logger?)>((false, nil))

    /// With JSON or logfmt logs, the logger that diagnostics (`printError`) and progress go through; nil for text.
    static var diagnostics: Logger? { state.withLock { $0.diagnostics } }

    /// A logger at `level`; the first call also installs the handler for `format` (later formats are ignored: the
    /// process has one log format).
    static func logger(_ label: String, level: Logger.Level, format: LogFormat) -> Logger {
        state.withLock { state in
            guard !state.done else { return }
            state.done = true
            LoggingSystem.bootstrap { label in
                StructuredLogHandler(label: label, format: format, level: level)
            }
            if format != .text {
                var diagnostics = Logger(label: "vigil")
                diagnostics.logLevel = .trace  // what the command line prints, at any log level (as with text logs)
                state.diagnostics = diagnostics
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

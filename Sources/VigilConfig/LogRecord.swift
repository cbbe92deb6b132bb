import Logging

/// One log record, as a log handler formats it: pure data, so that each format is a pure function of it.
public struct LogRecord: Sendable {
    /// Wall-clock time: whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Wall-clock time: nanoseconds within the second (0..<1_000_000_000).
    public var nanoseconds: Int
    public var level: Logger.Level
    /// The logger's label (`vigil.run`).
    public var label: String
    public var message: String
    /// The handler's metadata merged with the record's (the record's wins).
    public var metadata: Logger.Metadata
    /// The module that logged (`VigilRuntime`).
    public var source: String

    public init(
        seconds: Int64, nanoseconds: Int, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata, source: String
    ) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.level = level
        self.label = label
        self.message = message
        self.metadata = metadata
        self.source = source
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// A swift-log handler that writes one line per record to standard error, as text, JSON or logfmt
/// (`LogLineFormatter` describes each).
///
/// Thread-safe: a value type whose writes go through a `StandardErrorWriter` (one lock, one `write(2)` per line).
public struct StructuredLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// The logger's label.
    public let label: String
    /// The line format.
    public let format: LogFormat
    private let output: StandardErrorWriter

    public init(
        label: String, format: LogFormat, level: Logger.Level = .info, output: StandardErrorWriter = .shared,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, new in new }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let record = LogRecord(
            seconds: Int64(now.tv_sec), nanoseconds: Int(now.tv_nsec), level: event.level, label: label,
            message: event.message.description, metadata: merged, source: event.source)
        output.writeLine(LogLineFormatter.line(record, format: format, localTimestamp: Self.localTimestamp(now.tv_sec)))
    }

    /// Local time to the second with the zone offset, as `StreamLogHandler` writes it.
    static func localTimestamp(_ seconds: time_t) -> String {
        var time = seconds
        var local = tm()
        guard localtime_r(&time, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// How log records are written to standard error.
public enum LogFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One human-readable line per record (swift-log's `StreamLogHandler` layout).
    case text
    /// One JSON object per line.
    case json
    /// One logfmt line (`key=value` pairs) per record.
    case logfmt

    public var description: String { rawValue }
}

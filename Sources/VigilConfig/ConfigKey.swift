/// One setting of `vigil run` other than the librdkafka pass-through: its file key, flag and environment variable.
///
/// The three names are derived from one another: file key `log.level`, flag `--log-level`, variable
/// `VIGIL_LOG_LEVEL`; file key `max_batch`, flag `--max-batch`, variable `VIGIL_MAX_BATCH`.
public struct ConfigKey: Hashable, Sendable, CustomStringConvertible {
    /// The key in the configuration file; a dot separates a section from its key (`log.level`).
    public let name: String
    /// What the setting does (printed by `--print-config` for defaults, and in docs/configuration.md).
    public let summary: String

    private init(_ name: String, _ summary: String) {
        self.name = name
        self.summary = summary
    }

    /// The command-line flag: `--` and the file key with `_` and `.` as `-`.
    public var flag: String {
        "--" + String(name.map { $0 == "_" || $0 == "." ? "-" : $0 })
    }

    /// The environment variable: `VIGIL_` and the file key upper-cased, with `.` as `_`.
    public var environmentVariable: String {
        "VIGIL_" + String(name.uppercased().map { $0 == "." ? "_" : $0 })
    }

    public var description: String { name }

    /// Kafka bootstrap servers, `host:port,...`.
    public static let bootstrapServers = ConfigKey("bootstrap_servers", "Kafka bootstrap servers (host:port,...)")
    /// Stream threads, each a consumer in the group (1...64).
    public static let threads = ConfigKey("threads", "stream threads, each a consumer in the group (1...64)")
    /// Most records per poll batch.
    public static let maxBatch = ConfigKey("max_batch", "most records per poll batch")
    /// Milliseconds between commits.
    public static let commitIntervalMs = ConfigKey(
        "commit_interval_ms", "milliseconds between commits of state, offsets and delivered outputs")
    /// The state directory (overrides the topology's `state_dir`).
    public static let stateDir = ConfigKey("state_dir", "the state directory (overrides the topology's state_dir)")
    /// MiB of memory for all state of the process.
    public static let stateMemoryMb = ConfigKey("state_memory_mb", "MiB of memory for all state of this process")
    /// The observability server's listen address.
    public static let http = ConfigKey("http", "serve /metrics, /healthz, /readyz and /model on host:port")
    /// The least severe log level written.
    public static let logLevel = ConfigKey(
        "log.level", "log level: trace, debug, info, notice, warning, error, critical")
    /// How log records are written.
    public static let logFormat = ConfigKey("log.format", "log format: text, json or logfmt")

    /// Every setting, in the order `--print-config` and the documentation list them.
    public static let all: [ConfigKey] = [
        .bootstrapServers, .threads, .maxBatch, .commitIntervalMs, .stateDir, .stateMemoryMb, .http, .logLevel,
        .logFormat,
    ]

    /// The setting with this file key, if any.
    public static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }
}

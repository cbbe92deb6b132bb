import Logging

/// The configuration `vigil run` runs with: each setting from the strongest layer that gives it
/// (flag > environment > file > topology > default), checked, with where it came from.
public struct EffectiveConfiguration: Sendable, Equatable {
    /// Kafka bootstrap servers; nil when no layer gives them.
    public var bootstrapServers: String?
    /// Stream threads (1...64). Default 1.
    public var threads = 1
    /// Most records per poll batch (> 0). Default 10 000.
    public var maxBatch = 10_000
    /// Milliseconds between commits (>= 0). Default 100.
    public var commitIntervalMs = 100
    /// The state directory; nil: the topology's `state_dir` (which the topology layer normally gives).
    public var stateDir: String?
    /// MiB of memory for all state (>= 16). Default 1024.
    public var stateMemoryMb = 1024
    /// The observability server's address; nil: off.
    public var http: String?
    /// Log level. Default info.
    public var logLevel = Logger.Level.info
    /// Log format. Default text.
    public var logFormat = LogFormat.text
    /// librdkafka properties for every client, merged over every layer.
    public var kafka: [String: String] = [:]
    /// Where each setting came from (`.default` for one no layer gives).
    public var origins: [ConfigKey: ConfigurationOrigin] = [:]
    /// Where each librdkafka property came from.
    public var kafkaOrigins: [String: ConfigurationOrigin] = [:]

    /// The built-in defaults.
    public init() {}

    /// Where `key`'s value came from.
    public func origin(of key: ConfigKey) -> ConfigurationOrigin { origins[key] ?? .default }

    /// Merges layers, the strongest first (flags, environment, file, topology, defaults), into the effective
    /// configuration.
    ///
    /// Every value of every layer is checked, even one a stronger layer overrides: a bad value in the file is
    /// reported now, not on the day the flag that hides it is dropped. `group.id` is refused in every layer (the
    /// consumer group is the topology's name).
    public static func resolve(_ layers: [ConfigurationLayer]) throws(ConfigError) -> EffectiveConfiguration {
        var result = EffectiveConfiguration()
        var issuesByLayer: [[ConfigError.Issue]] = []
        // Weakest first, so that each stronger layer overwrites; problems are reported strongest first.
        for layer in layers.reversed() {
            var issues: [(line: Int, issue: ConfigError.Issue)] = []
            for key in ConfigKey.all {
                guard let entry = layer.values[key] else { continue }
                do throws(ConfigError) {
                    try result.apply(key, entry)
                    result.origins[key] = entry.origin
                } catch {
                    issues += error.issues.map { (entry.origin.line, $0) }
                }
            }
            for key in layer.kafka.keys.sorted() {
                let entry = layer.kafka[key]!
                if key.isEmpty || key.contains(where: { $0 == " " || $0 == "=" }) {
                    issues.append((entry.origin.line, .init(
                        code: .invalidValue, location: entry.origin.location, field: "kafka.\(key)",
                        message: "not a librdkafka property name")))
                    continue
                }
                if key == "group.id" {
                    issues.append((entry.origin.line, .init(
                        code: .forbiddenKey, location: entry.origin.location, field: "kafka.group.id",
                        message: "the consumer group is the topology's name; rename the topology instead")))
                    continue
                }
                result.kafka[key] = entry.text
                result.kafkaOrigins[key] = entry.origin
            }
            // Stable sort: a file's problems by line, the others in the order found.
            issuesByLayer.append(issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
                .map(\.element.issue))
        }
        let issues = issuesByLayer.reversed().flatMap { $0 }
        if !issues.isEmpty { throw ConfigError(issues: issues) }
        return result
    }

    /// Checks one value and sets it.
    mutating func apply(_ key: ConfigKey, _ entry: ConfigurationLayer.Entry) throws(ConfigError) {
        let text = entry.text
        func fail(_ message: String) -> ConfigError {
            ConfigError(code: .invalidValue, location: entry.origin.location, field: key.name, message: message)
        }
        func integer(_ range: ClosedRange<Int>, _ rule: String) throws(ConfigError) -> Int {
            guard let value = Int(text.trimmingSpaces) else { throw fail("not a whole number: \"\(text)\"") }
            guard range.contains(value) else { throw fail("\(rule), got \(value)") }
            return value
        }
        func nonEmpty() throws(ConfigError) -> String {
            let trimmed = text.trimmingSpaces
            guard !trimmed.isEmpty else { throw fail("must not be empty") }
            return trimmed
        }
        switch key {
        case .bootstrapServers: bootstrapServers = try nonEmpty()
        case .threads: threads = try integer(1...64, "must be between 1 and 64")
        case .maxBatch: maxBatch = try integer(1...Int.max, "must be positive")
        case .commitIntervalMs: commitIntervalMs = try integer(0...Int.max, "must be 0 or more")
        case .stateDir: stateDir = try nonEmpty()
        case .stateMemoryMb: stateMemoryMb = try integer(16...(Int.max >> 20), "must be at least 16")
        case .http: http = try nonEmpty()
        case .logLevel:
            guard let level = Logger.Level(rawValue: text.trimmingSpaces.lowercased()) else {
                throw fail("unknown log level \"\(text)\": one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            logLevel = level
        case .logFormat:
            guard let format = LogFormat(rawValue: text.trimmingSpaces.lowercased()) else {
                throw fail("unknown log format \"\(text)\": one of text, json, logfmt")
            }
            logFormat = format
        default: throw fail("not a setting")
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

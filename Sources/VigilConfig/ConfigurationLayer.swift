/// The settings one source gives (flags, the environment, the configuration file, the topology, defaults), as
/// text with where each came from; `EffectiveConfiguration.resolve` checks and merges the layers.
public struct ConfigurationLayer: Sendable, Equatable {
    /// One value as given, before it is checked.
    public struct Entry: Sendable, Equatable {
        /// The value as written (a YAML scalar's text, a variable's value, a flag's argument).
        public var text: String
        /// Where it was written.
        public var origin: ConfigurationOrigin

        public init(text: String, origin: ConfigurationOrigin) {
            self.text = text
            self.origin = origin
        }
    }

    /// The settings this layer gives.
    public var values: [ConfigKey: Entry] = [:]
    /// librdkafka properties this layer gives, by librdkafka key.
    public var kafka: [String: Entry] = [:]

    public init() {}

    /// Sets a value unless `text` is nil.
    public mutating func set(_ key: ConfigKey, _ text: String?, origin: ConfigurationOrigin) {
        guard let text else { return }
        values[key] = Entry(text: text, origin: origin)
    }

    /// Sets a librdkafka property.
    public mutating func setKafka(_ key: String, _ text: String, origin: ConfigurationOrigin) {
        kafka[key] = Entry(text: text, origin: origin)
    }

    /// Whether the layer gives nothing.
    public var isEmpty: Bool { values.isEmpty && kafka.isEmpty }

    /// The topology's layer: its `kafka:` section and its `state_dir`.
    public static func topology(file: String, kafka: [String: String], stateDir: String?) -> ConfigurationLayer {
        var layer = ConfigurationLayer()
        for (key, value) in kafka { layer.setKafka(key, value, origin: .topology(file)) }
        layer.set(.stateDir, stateDir, origin: .topology(file))
        return layer
    }

    /// librdkafka `key=value` arguments of `-X`, each as a flag.
    public static func kafkaFlags(_ arguments: [String], flag: String = "-X") throws(ConfigError) -> ConfigurationLayer {
        var layer = ConfigurationLayer()
        var issues: [ConfigError.Issue] = []
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex else {
                issues.append(.init(code: .invalidValue, location: "flag \(flag)", field: "kafka",
                                    message: "expects key=value, got \"\(argument)\""))
                continue
            }
            layer.setKafka(String(argument[..<eq]), String(argument[argument.index(after: eq)...]), origin: .flag(flag))
        }
        if !issues.isEmpty { throw ConfigError(issues: issues) }
        return layer
    }
}

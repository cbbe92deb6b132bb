extension ConfigurationLayer {
    /// The variable naming the configuration file when `--config` is not given.
    public static let configFileVariable = "VIGIL_CONFIG"
    /// The prefix of librdkafka properties in the environment.
    public static let kafkaVariablePrefix = "VIGIL_KAFKA_"

    /// The settings the environment gives: `VIGIL_<KEY>` for each setting (`VIGIL_THREADS`, `VIGIL_LOG_LEVEL`) and
    /// `VIGIL_KAFKA_<KEY>` for a librdkafka property, lower-cased with `_` as `.` (`VIGIL_KAFKA_SASL_PASSWORD` is
    /// `sasl.password`). An empty value counts as unset.
    ///
    /// - Returns: the layer, and the other `VIGIL_` variables (sorted), which set nothing: a caller may warn
    ///   about them (a typo such as `VIGIL_THREAD`).
    public static func environment(_ variables: [String: String]) -> (layer: ConfigurationLayer, unknown: [String]) {
        var layer = ConfigurationLayer()
        var unknown: [String] = []
        let byVariable = Dictionary(uniqueKeysWithValues: ConfigKey.all.map { ($0.environmentVariable, $0) })
        for (name, value) in variables where name.hasPrefix("VIGIL_") {
            if name == configFileVariable { continue }
            if let key = byVariable[name] {
                if !value.isEmpty { layer.set(key, value, origin: .environment(name)) }
            } else if let kafkaKey = kafkaKey(variable: name) {
                if !value.isEmpty { layer.setKafka(kafkaKey, value, origin: .environment(name)) }
            } else {
                unknown.append(name)
            }
        }
        return (layer, unknown.sorted())
    }

    /// The librdkafka key a `VIGIL_KAFKA_` variable names (`VIGIL_KAFKA_SECURITY_PROTOCOL` → `security.protocol`),
    /// nil for any other variable.
    public static func kafkaKey(variable: String) -> String? {
        guard variable.hasPrefix(kafkaVariablePrefix), variable.count > kafkaVariablePrefix.count else { return nil }
        return String(variable.dropFirst(kafkaVariablePrefix.count).lowercased().map { $0 == "_" ? "." : $0 })
    }
}

/// librdkafka configuration: a plain pass-through of property names and values.
///
/// Any librdkafka property may be set (see librdkafka's CONFIGURATION.md); values are checked when a client is
/// created, and a bad name or value throws ``KafkaError/Code/config`` naming the property.
public struct KafkaConfig: Sendable {
    /// librdkafka property → value.
    public var properties: [String: String]

    /// Creates a configuration from librdkafka properties.
    public init(_ properties: [String: String] = [:]) { self.properties = properties }

    /// Creates a configuration with only `bootstrap.servers` set.
    public init(bootstrapServers: String) { self.properties = ["bootstrap.servers": bootstrapServers] }

    /// Reads or writes one librdkafka property.
    public subscript(_ key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }
}

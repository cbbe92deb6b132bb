/// Which librdkafka properties hold secrets, and how they are shown: `--print-config` and any message that lists
/// properties show `********` in place of their values.
public enum SecretMask {
    /// What a secret's value is shown as.
    public static let mask = "********"

    /// Parts of a key (case-insensitive) that mark it secret: `sasl.password`, `ssl.key.password`,
    /// `ssl.keystore.password`, `sasl.oauthbearer.client.secret`, `sasl.jaas.config`, `ssl.key.pem`.
    public static let markers = ["password", "secret", "sasl.jaas", "ssl.key"]

    /// Whether the property `key` holds a secret.
    public static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return markers.contains { lower.contains($0) }
    }

    /// The value as it may be shown.
    public static func shown(key: String, value: String) -> String {
        isSecret(key) ? mask : value
    }
}

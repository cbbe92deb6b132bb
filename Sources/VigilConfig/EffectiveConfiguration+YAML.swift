import Logging

extension EffectiveConfiguration {
    /// The configuration as a configuration file (`vigil run --print-config`): every setting with its value and, as
    /// a comment, where it came from; librdkafka properties that hold secrets (`SecretMask`) show `********`.
    ///
    /// Apart from masked values, the text read back as a configuration file gives the same configuration.
    public func yaml(header: [String] = [], maskSecrets: Bool = true) -> String {
        var rows: [(text: String, comment: String)] = []
        func row(_ key: ConfigKey, _ value: String, indent: String = "") {
            let name = key.name.split(separator: ".").last.map(String.init) ?? key.name
            rows.append(("\(indent)\(name): \(value)", origin(of: key).description))
        }
        row(.bootstrapServers, Self.quoted(bootstrapServers))
        row(.threads, "\(threads)")
        row(.maxBatch, "\(maxBatch)")
        row(.commitIntervalMs, "\(commitIntervalMs)")
        row(.stateDir, Self.quoted(stateDir))
        row(.stateMemoryMb, "\(stateMemoryMb)")
        row(.http, Self.quoted(http))
        rows.append(("log:", ""))
        row(.logLevel, logLevel.rawValue, indent: "  ")
        row(.logFormat, logFormat.rawValue, indent: "  ")
        if kafka.isEmpty {
            rows.append(("kafka: {}", ""))
        } else {
            rows.append(("kafka:", ""))
            for key in kafka.keys.sorted() {
                let secret = maskSecrets && SecretMask.isSecret(key)
                let value = secret ? SecretMask.mask : kafka[key]!
                let origin = kafkaOrigins[key]?.description ?? "default"
                rows.append(("  \(Self.yamlKey(key)): \(Self.quoted(value))", origin + (secret ? " (masked)" : "")))
            }
        }
        let width = min(48, rows.map(\.text.count).max() ?? 0) + 2
        var out = header.map { "# \($0)\n" }.joined()
        for (text, comment) in rows {
            if comment.isEmpty {
                out += text + "\n"
            } else {
                out += text + String(repeating: " ", count: max(1, width - text.count)) + "# " + comment + "\n"
            }
        }
        return out
    }

    /// A string as a double-quoted YAML scalar (`null` for nil).
    static func quoted(_ value: String?) -> String {
        guard let value else { return "null" }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A mapping key: plain when it is made of letters, digits, `.`, `_` and `-`, quoted otherwise.
    static func yamlKey(_ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "." || $0 == "_" || $0 == "-"
        } && key.first != "-"
        return plain ? key : quoted(key)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

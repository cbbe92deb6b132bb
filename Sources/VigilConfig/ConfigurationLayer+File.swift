import Foundation
import Yams

extension ConfigurationLayer {
    /// Reads a configuration file (docs/configuration.md); every problem names the file, line and key.
    public static func load(file path: String) throws(ConfigError) -> ConfigurationLayer {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw ConfigError(code: .unreadableFile, location: path, field: "", message: "the configuration file \(reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(code: .unreadableFile, location: path, field: "", message: "the configuration file is not UTF-8")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses configuration YAML held in memory; `file` names it in messages and origins.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> ConfigurationLayer {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(issues: [issue(from: error, file: file)])
        } catch {
            throw ConfigError(code: .invalidYAML, location: file, field: "", message: "invalid YAML: \(error)")
        }
        var reader = FileReader(file: file)
        let layer = reader.read(root)
        if !reader.issues.isEmpty { throw ConfigError(issues: reader.issues) }
        return layer
    }

    private static func issue(from error: YamlError, file: String) -> ConfigError.Issue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return .init(code: .invalidYAML, location: "\(file):\(mark.line):\(mark.column)", field: "",
                         message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return .init(code: .duplicateKey, location: "\(file):\(context.mark.line):\(context.mark.column)", field: "",
                         message: "key \(keys) appears more than once in this mapping")
        default:
            return .init(code: .invalidYAML, location: file, field: "", message: "invalid YAML: \(error)")
        }
    }
}

/// Walks a configuration file's YAML nodes, collecting values with their lines and every problem.
private struct FileReader {
    let file: String
    var issues: [ConfigError.Issue] = []
    var layer = ConfigurationLayer()

    init(file: String) { self.file = file }

    mutating func read(_ root: Node?) -> ConfigurationLayer {
        guard let root else { return layer }  // an empty file (or only comments) sets nothing
        guard let mapping = root.mapping else {
            report(root, "", .wrongType, "the file must be a mapping of settings (key: value), see docs/configuration.md")
            return layer
        }
        for (keyNode, value) in mapping {
            let key = keyNode.scalar?.string ?? ""
            switch key {
            case "log":
                section(value, name: "log") { reader, key, keyNode, node in
                    guard let setting = ConfigKey.named("log." + key) else {
                        reader.report(keyNode, "log.\(key)", .unknownKey, "unknown key: log takes level and format")
                        return
                    }
                    reader.scalar(node, setting)
                }
            case "kafka":
                section(value, name: "kafka") { reader, key, _, node in
                    guard let text = reader.text(node, field: "kafka.\(key)") else { return }
                    if key == "group.id" {
                        reader.report(node, "kafka.group.id", .forbiddenKey,
                                      "the consumer group is the topology's name; rename the topology instead")
                        return
                    }
                    reader.layer.setKafka(key, text, origin: .file(reader.file, line: node.mark?.line ?? 0))
                }
            default:
                guard !key.contains("."), let setting = ConfigKey.named(key) else {
                    let known = (ConfigKey.all.map(\.name).filter { !$0.contains(".") } + ["log", "kafka"])
                        .joined(separator: ", ")
                    report(keyNode, key, .unknownKey, "unknown key; the file takes \(known)")
                    continue
                }
                scalar(value, setting)
            }
        }
        return layer
    }

    /// A section's mapping, each entry handed to `entry` as key, key node and value node.
    mutating func section(_ node: Node, name: String, entry: (inout FileReader, String, Node, Node) -> Void) {
        if isNull(node) { return }
        guard let mapping = node.mapping else {
            report(node, name, .wrongType, "expected a mapping (key: value on the lines below, indented)")
            return
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string, !key.isEmpty else {
                report(keyNode, name, .wrongType, "a key must be plain text")
                continue
            }
            entry(&self, key, keyNode, value)
        }
    }

    /// A setting's value; a bad one is reported now, with the file's other problems.
    mutating func scalar(_ node: Node, _ setting: ConfigKey) {
        guard let text = text(node, field: setting.name) else { return }
        let entry = ConfigurationLayer.Entry(text: text, origin: .file(file, line: node.mark?.line ?? 0))
        var probe = EffectiveConfiguration()
        do throws(ConfigError) {
            try probe.apply(setting, entry)
            layer.values[setting] = entry
        } catch {
            for issue in error.issues { report(node, issue.field, issue.code, issue.message) }
        }
    }

    /// A scalar's text; nil (after reporting) for a list or mapping, nil (silently) for null.
    mutating func text(_ node: Node, field: String) -> String? {
        if isNull(node) { return nil }
        guard let scalar = node.scalar else {
            let hint = field.hasPrefix("kafka.")
                ? "librdkafka properties are plain key: value pairs, with the dotted key on one line (security.protocol: SSL)"
                : "expected a plain value"
            report(node, field, .wrongType, hint)
            return nil
        }
        return scalar.string
    }

    /// Whether a node is YAML null (`~`, `null`, or nothing): the setting is left unset.
    func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    mutating func report(_ node: Node, _ field: String, _ code: ConfigError.Code, _ message: String) {
        let mark = node.mark
        let location = mark.map { "\(file):\($0.line):\($0.column)" } ?? file
        issues.append(.init(code: code, location: location, field: field, message: message))
    }
}

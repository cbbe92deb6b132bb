import VigilCore
import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and validates topology files (docs/topology.md). Every problem found is reported with file, line, column,
/// the field's path and a hint, and nothing runs until the file is clean.
public enum TopologyLoader {
    /// Loads and validates the topology at `path`.
    public static func load(path: String) throws(TopologyError) -> Topology {
        guard let text = readFile(path) else {
            throw TopologyError(issues: [
                TopologyIssue(file: path, line: 0, column: 0, field: "", code: .unreadableFile,
                              message: "cannot read the file", hint: "check the path and permissions (and that it is UTF-8)"),
            ])
        }
        return try parse(yaml: text, file: path)
    }

    /// Validates topology YAML held in memory; `file` names it in messages.
    public static func parse(yaml: String, file: String) throws(TopologyError) -> Topology {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw TopologyError(issues: [
                    TopologyIssue(file: file, line: 1, column: 1, field: "", code: .emptyFile,
                                  message: "the file is empty", hint: "see docs/topology.md for a complete example"),
                ])
            }
            root = node
        } catch let error as TopologyError {
            throw error
        } catch let error as YamlError {
            throw TopologyError(issues: [issue(from: error, file: file)])
        } catch {
            throw TopologyError(issues: [
                TopologyIssue(file: file, line: 0, column: 0, field: "", code: .invalidYAML,
                              message: "invalid YAML: \(error)"),
            ])
        }
        var reader = NodeReader(file: file)
        let topology = reader.topology(root)
        guard reader.issues.isEmpty, let topology else {
            // Stable order: by position, then in the order found.
            let sorted = reader.issues.enumerated()
                .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
                .map(\.element)
            throw TopologyError(issues: sorted)
        }
        return topology
    }

    private static func issue(from error: YamlError, file: String) -> TopologyIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return TopologyIssue(file: file, line: mark.line, column: mark.column, field: "", code: .invalidYAML,
                                 message: "invalid YAML: \(problem)", hint: "check indentation and quoting near here")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return TopologyIssue(file: file, line: context.mark.line, column: context.mark.column, field: "",
                                 code: .duplicateKey, message: "key \(keys) appears more than once in this mapping",
                                 hint: "each key may appear once per mapping (this is its first occurrence); remove the other")
        default:
            return TopologyIssue(file: file, line: 0, column: 0, field: "", code: .invalidYAML,
                                 message: "invalid YAML: \(error)")
        }
    }

    /// The UTF-8 text of the file at `path`, nil when it cannot be read or is not UTF-8.
    static func readFile(_ path: String) -> String? {
        guard let handle = fopen(path, "rb") else { return nil }
        defer { fclose(handle) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        if ferror(handle) != 0 { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}

import VigilCore
import Yams

#if canImport(Glibc)
import Glibc
#endif

/// Reads and validates topology files. Every problem found is reported with file, line, column and a hint, and
/// nothing runs until the file is clean.
public enum TopologyLoader {
    /// Loads and validates the topology at `path`.
    public static func load(path: String) throws(TopologyError) -> Topology {
        guard let text = readFile(path) else {
            throw TopologyError(issues: [
                TopologyIssue(file: path, line: 0, column: 0, field: "", message: "cannot read the file",
                              hint: "check the path and permissions"),
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
                    TopologyIssue(file: file, line: 1, column: 1, field: "", message: "the file is empty",
                                  hint: "see docs/topology.md for a complete example"),
                ])
            }
            root = node
        } catch let error as TopologyError {
            throw error
        } catch let error as YamlError {
            throw TopologyError(issues: [issue(from: error, file: file)])
        } catch {
            throw TopologyError(issues: [
                TopologyIssue(file: file, line: 0, column: 0, field: "", message: "invalid YAML: \(error)", hint: nil),
            ])
        }
        var reader = NodeReader(file: file)
        let topology = reader.topology(root)
        if !reader.issues.isEmpty || topology == nil {
            throw TopologyError(issues: reader.issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return topology!
    }

    private static func issue(from error: YamlError, file: String) -> TopologyIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return TopologyIssue(file: file, line: mark.line, column: mark.column, field: "",
                                 message: "invalid YAML: \(problem)", hint: "check indentation and quoting near here")
        default:
            return TopologyIssue(file: file, line: 0, column: 0, field: "", message: "invalid YAML: \(error)", hint: nil)
        }
    }

    private static func readFile(_ path: String) -> String? {
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

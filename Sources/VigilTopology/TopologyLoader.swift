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
        // Yams hashes every mapping key in full while composing, aliases expanded: an alias bomb ("billion laughs")
        // in a key would never finish. A topology's keys are plain names, so an alias in a key is refused first.
        if let (line, column) = aliasInKey(yaml) {
            throw TopologyError(issues: [
                TopologyIssue(file: file, line: line, column: column, field: "", code: .invalidYAML,
                              message: "an alias (*name) in a mapping key, or an explicit key ('? ') in a file with aliases",
                              hint: "keys are plain names; aliases may stand for values only"),
            ])
        }
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
        case .reader(let problem, let offset, let value, let yaml):
            // A character libyaml refuses (a control character, say): located like the other YAML errors.
            let (line, column) = offset.map { position(ofCharacter: $0, in: yaml) } ?? (1, 1)
            let hex = String(value, radix: 16, uppercase: true)
            let character = value >= 0 ? " (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))" : ""
            return TopologyIssue(file: file, line: line, column: column, field: "", code: .invalidYAML,
                                 message: "invalid YAML: \(problem)\(character)",
                                 hint: "remove the character, or write it as an escape in a double-quoted string")
        default:
            return TopologyIssue(file: file, line: 0, column: 0, field: "", code: .invalidYAML,
                                 message: "invalid YAML: \(error)")
        }
    }

    /// The 1-based line and column of the first alias inside a mapping key (before the `:` that ends the key, in
    /// block or flow style), or of an explicit key (`? `) when the text has an alias anywhere; nil if there is none.
    /// A lexical scan, line by line (an implicit key is on one line): quotes and comments are skipped.
    static func aliasInKey(_ yaml: String) -> (line: Int, column: Int)? {
        var hasAlias = false
        var explicitKey: (line: Int, column: Int)?
        // Split on scalars, not characters: "\r\n" is one Character.
        for (n, text) in yaml.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let s = Array(text)
            var quote: Unicode.Scalar?
            var aliasColumn: Int?  // an alias in the current key candidate
            var inKey = true
            var previous: Unicode.Scalar = " "
            var i = 0
            func isSpace(_ at: Int) -> Bool { at >= s.count || s[at] == " " || s[at] == "\t" || s[at] == "\r" }
            scan: while i < s.count {
                let c = s[i]
                if let q = quote {
                    if q == "\"" && c == "\\" {
                        i += 2
                        continue
                    }
                    if c == q { quote = nil }
                    previous = c
                    i += 1
                    continue
                }
                let tokenStart = previous == " " || previous == "\t" || previous == "[" || previous == "{" || previous == ","
                switch c {
                case "#" where previous == " " || previous == "\t": break scan
                case "\"", "'" where tokenStart: quote = c
                case "*" where tokenStart && !isSpace(i + 1):
                    hasAlias = true
                    if inKey && aliasColumn == nil { aliasColumn = i + 1 }
                case "?" where tokenStart && isSpace(i + 1):
                    if explicitKey == nil { explicitKey = (n + 1, i + 1) }
                case ":" where isSpace(i + 1) || ",[]{}".unicodeScalars.contains(s[i + 1]):
                    if let aliasColumn { return (n + 1, aliasColumn) }
                    inKey = false
                case "{", "[", ",":
                    inKey = true
                    aliasColumn = nil
                default: break
                }
                previous = c
                i += 1
            }
        }
        return hasAlias ? explicitKey : nil
    }

    /// The 1-based line and column (in Unicode scalars) of the character at `offset` (in characters) of `text`.
    static func position(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        let end = text.index(text.startIndex, offsetBy: max(0, offset), limitedBy: text.endIndex) ?? text.endIndex
        var line = 1, column = 1
        for scalar in text[..<end].unicodeScalars {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
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

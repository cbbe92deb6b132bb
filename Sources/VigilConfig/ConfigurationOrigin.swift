/// Where an effective setting came from; layers listed from the strongest: flag > environment > file > topology >
/// default.
public enum ConfigurationOrigin: Sendable, Equatable, CustomStringConvertible {
    /// A command-line flag (`--threads`, `-X`).
    case flag(String)
    /// An environment variable.
    case environment(String)
    /// The configuration file, at a line (1-based).
    case file(String, line: Int)
    /// The topology file (its `kafka:` section or its `state_dir`).
    case topology(String)
    /// The built-in default.
    case `default`
    /// A default that applies in one situation (e.g. `--embedded`).
    case defaultWith(String)

    /// Where an error about this value points: `vigil.yaml:4`, `environment variable VIGIL_THREADS`, `flag --threads`.
    public var location: String {
        switch self {
        case .flag(let name): "flag \(name)"
        case .environment(let name): "environment variable \(name)"
        case .file(let path, let line): "\(path):\(line)"
        case .topology(let path): "topology \(path)"
        case .default: "default"
        case .defaultWith(let situation): "default with \(situation)"
        }
    }

    /// The line in the configuration file; 0 for any other origin.
    public var line: Int {
        if case .file(_, let line) = self { return line }
        return 0
    }

    public var description: String {
        switch self {
        case .file(let path, let line): "file \(path):\(line)"
        case .environment(let name): "environment \(name)"
        default: location
        }
    }
}

internal import CRocksDB

/// An error from the state store: a RocksDB status or a misuse of the store (closed, unknown column family).
///
/// `message` carries RocksDB's own text (for example `IO error: While lock file: /x/LOCK: …`) prefixed with the
/// operation and the database path, so a log line alone says what failed where.
public struct StateError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes may be added, so `switch` over it with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: UInt8, Hashable, Sendable {
            case closed, io, corruption, invalidArgument, notFound, busy, unknownColumnFamily, other
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// The store was closed before (or while) the call was made.
        public static let closed = Code(.closed)
        /// RocksDB reported an I/O error (`IO error: …`), e.g. a path that is a regular file or a full disk.
        public static let io = Code(.io)
        /// RocksDB found corrupt data (`Corruption: …`), including a failed merge.
        public static let corruption = Code(.corruption)
        /// An argument was rejected (`Invalid argument: …`) or an object of another store was passed in.
        public static let invalidArgument = Code(.invalidArgument)
        /// RocksDB reported `NotFound: …` (a missing key is not an error: `get` returns nil).
        public static let notFound = Code(.notFound)
        /// The resource is in use (`Resource busy: …`, or the database's LOCK file held by another open).
        public static let busy = Code(.busy)
        /// No column family of that name was opened with this store.
        public static let unknownColumnFamily = Code(.unknownColumnFamily)
        /// Any other RocksDB status (not supported, aborted, timed out, …).
        public static let other = Code(.other)

        public var description: String {
            switch kind {
            case .closed: "closed"
            case .io: "io"
            case .corruption: "corruption"
            case .invalidArgument: "invalidArgument"
            case .notFound: "notFound"
            case .busy: "busy"
            case .unknownColumnFamily: "unknownColumnFamily"
            case .other: "other"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The operation and path, then RocksDB's message text.
    public var message: String

    /// Creates an error with the given code and message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether retrying the same call later may succeed (a lock held by a store that is still closing).
    public var isRetriable: Bool { code == .busy }

    public var description: String { "StateError(\(code)): \(message)" }

    /// The error every call on a closed store throws.
    static func closed(_ operation: StaticString, path: String) -> StateError {
        StateError(code: .closed, message: "\(operation) \(path): store is closed")
    }
}

extension StateError {
    /// Turns a RocksDB `errptr` into a `StateError` (freeing the C string with `rocksdb_free`), or does nothing if
    /// it is nil. The single place where a C error becomes a Swift error.
    @inline(__always)
    static func check(
        _ errptr: UnsafeMutablePointer<CChar>?, _ operation: StaticString, path: String
    ) throws(StateError) {
        guard let errptr else { return }
        throw StateError(consuming: errptr, operation: operation, path: path)
    }

    /// Builds the error from RocksDB's message and frees the message.
    @inline(never)
    init(consuming errptr: UnsafeMutablePointer<CChar>, operation: StaticString, path: String) {
        let text = String(cString: errptr)
        rocksdb_free(errptr)
        self.init(code: Self.classify(text), message: "\(operation) \(path): \(text)")
    }

    /// Maps the prefix of a RocksDB `Status::ToString()` to a code.
    static func classify(_ text: String) -> Code {
        if text.hasPrefix("IO error") {
            // RocksDB reports a LOCK file held by this or another process as an I/O error; callers want "busy".
            return text.contains("/LOCK") || text.contains("lock hold") ? .busy : .io
        }
        if text.hasPrefix("Corruption") { return .corruption }
        if text.hasPrefix("Invalid argument") { return .invalidArgument }
        if text.hasPrefix("Resource busy") { return .busy }
        if text.hasPrefix("NotFound") { return .notFound }
        return .other
    }
}

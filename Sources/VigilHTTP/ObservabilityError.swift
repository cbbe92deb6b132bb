/// An error of the observability endpoint.
public struct ObservabilityError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; extensible (new codes are not a breaking change).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidAddress, bindFailed, shutdownFailed
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The listen address could not be parsed (`host:port`, port 0…65535).
        public static let invalidAddress = Code(.invalidAddress)
        /// The server could not listen on the address (in use, no permission, unknown host).
        public static let bindFailed = Code(.bindFailed)
        /// The server's threads did not stop cleanly.
        public static let shutdownFailed = Code(.shutdownFailed)

        public var description: String {
            switch value {
            case .invalidAddress: "invalid address"
            case .bindFailed: "bind failed"
            case .shutdownFailed: "shutdown failed"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// Details, including the underlying system or NIO error's text.
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

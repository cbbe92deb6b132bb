/// What `/features/{stage}/{key}` answers, as the source decides it.
public enum FeatureAnswer: Sendable, Hashable {
    /// The key's latest feature values, as a UTF-8 JSON object: 200.
    case found(json: [UInt8])
    /// Another instance owns the key's partition: 307 to `http://<instance>/features/{stage}/{key}`.
    /// `instance` is `host:port` of that instance's observability endpoint.
    case elsewhere(instance: String)
    /// The topology has no stage of that name: 404.
    case unknownStage
    /// The stage has no state for the key (or the partition is not restored yet): 404.
    case notFound
}

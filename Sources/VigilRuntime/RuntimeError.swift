/// Errors of the runtime, each with a message an operator can act on at 3 a.m.
public enum RuntimeError: Error, CustomStringConvertible, Sendable {
    case incompatibleState(path: String, found: String, expected: String)
    case corruptState(path: String, key: String)
    case inputTopicMissing(topic: String)
    case stateAheadOfLog(path: String, stored: Int64, high: Int64)
    case startup(String)

    public var description: String {
        switch self {
        case .incompatibleState(let path, let found, let expected):
            "the state in \(path) was built by a different stage definition (found \(found), this topology needs \(expected)); use a new state_dir, or delete this one to rebuild it from the input log"
        case .corruptState(let path, let key):
            "the state of key \"\(key)\" in \(path) cannot be decoded; the store is corrupt or was written by another version"
        case .inputTopicMissing(let topic):
            "the input topic \"\(topic)\" does not exist; create it (vigil dev-broker creates a topology's topics)"
        case .stateAheadOfLog(let path, let stored, let high):
            "the state in \(path) has processed up to offset \(stored), but the partition ends at \(high): it belongs to another log (a recreated topic or another cluster); use a new state_dir, or delete this one to rebuild it"
        case .startup(let message):
            message
        }
    }
}

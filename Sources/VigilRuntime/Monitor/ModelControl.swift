import Foundation

/// A model-control event (`model_control` v1, docs/monitoring.md) on a topology's models topic: what every Vigil
/// process scoring the topology does with its models. The topic is read from its beginning at start, so the models
/// in force survive restarts.
///
/// ```json
/// {"v":1,"type":"model_control","action":"shadow","bundle":"/models/fraud/v7","reason":"retrained after trigger fraud-demo:1767312000000"}
/// {"v":1,"type":"model_control","action":"promote","reason":"challenger won the evaluation gate"}
/// ```
public struct ModelControl: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// Load `bundle` as the challenger: scored in shadow (or canary), never alerting.
        case shadow
        /// Make `bundle` the champion; without `bundle`, the challenger's. A promoted challenger leaves its slot.
        case promote
        /// Drop the challenger.
        case retire
    }

    public var action: Action
    /// An absolute bundle path (a directory or archive on every Vigil host).
    public var bundle: String?
    public var reason: String?
    /// The retrain trigger this answers, when there is one.
    public var triggerID: String?

    public init(action: Action, bundle: String? = nil, reason: String? = nil, triggerID: String? = nil) {
        self.action = action
        self.bundle = bundle
        self.reason = reason
        self.triggerID = triggerID
    }

    /// The event's JSON (keys in a fixed order).
    public func encode() -> [UInt8] {
        var json = MonitorJSON(type: "model_control", topology: nil)
        json.field("action", action.rawValue)
        if let bundle { json.field("bundle", bundle) }
        if let reason { json.field("reason", reason) }
        if let triggerID { json.field("trigger_id", triggerID) }
        return json.finish()
    }

    /// Reads an event; the error says what is wrong.
    public static func decode(_ bytes: [UInt8]) throws -> ModelControl {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw RuntimeError.startup("model control: not a JSON object")
        }
        guard object["type"] as? String == "model_control" else {
            throw RuntimeError.startup("model control: type must be \"model_control\"")
        }
        guard let raw = object["action"] as? String, let action = Action(rawValue: raw) else {
            throw RuntimeError.startup(
                "model control: action must be one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let bundle = object["bundle"] as? String
        if action == .shadow, bundle == nil { throw RuntimeError.startup("model control: shadow needs a bundle") }
        return ModelControl(
            action: action, bundle: bundle, reason: object["reason"] as? String,
            triggerID: object["trigger_id"] as? String)
    }
}

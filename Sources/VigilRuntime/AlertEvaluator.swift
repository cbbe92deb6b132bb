import VigilCore
import VigilTopology

/// Evaluates a topology's alert rules (docs/topology.md, "scoring") on one scored event: a rule fires when all of
/// its `when` conditions hold and none of its `unless` conditions does. A condition on a missing value (a feature
/// with no value, a field absent from the event) does not hold.
struct AlertEvaluator {
    let rules: [Topology.AlertRule]

    /// Keeps the rules with their lists sorted by UTF-8 bytes, for the binary search of `contains`.
    init(rules: [Topology.AlertRule]) {
        func sorted(_ c: Topology.Condition) -> Topology.Condition {
            guard case .member(let list, let negated) = c.test else { return c }
            var copy = c
            copy.test = .member(of: list.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, negated: negated)
            return copy
        }
        self.rules = rules.map { rule in
            var r = rule
            r.when = rule.when.map(sorted)
            r.unless = rule.unless.map(sorted)
            return r
        }
    }

    /// The outcome for one event: the rules that fired (in declaration order), the highest severity among them and
    /// a reason naming each rule and the values it saw; nil when no rule fired.
    struct Match: Equatable {
        var rules: [String]
        var severity: Topology.AlertRule.Severity
        var reason: String
    }

    func evaluate(score: Double, values: [FeatureValue], record: Record) -> Match? {
        var match: Match?
        for rule in rules {
            guard rule.when.allSatisfy({ holds($0, score: score, values: values, record: record) }),
                  !rule.unless.contains(where: { holds($0, score: score, values: values, record: record) })
            else { continue }
            let why = rule.when.map { "\($0.description) (\(observed($0.subject, score: score, values: values, record: record)))" }
                .joined(separator: ", ")
            if match == nil {
                match = Match(rules: [rule.name], severity: rule.severity, reason: "\(rule.name): \(why)")
            } else {
                match!.rules.append(rule.name)
                match!.severity = max(match!.severity, rule.severity)
                match!.reason += "; \(rule.name): \(why)"
            }
        }
        return match
    }

    func holds(_ condition: Topology.Condition, score: Double, values: [FeatureValue], record: Record) -> Bool {
        switch condition.test {
        case .member(let list, let negated):
            guard case .field(_, let index) = condition.subject,
                  let text = StageProcessor.keyString(record.values[index])
            else { return false }
            return Self.contains(list, text) != negated
        case .above(let bound): return number(condition.subject, score, values, record).map { $0 > bound } ?? false
        case .atLeast(let bound): return number(condition.subject, score, values, record).map { $0 >= bound } ?? false
        case .below(let bound): return number(condition.subject, score, values, record).map { $0 < bound } ?? false
        case .atMost(let bound): return number(condition.subject, score, values, record).map { $0 <= bound } ?? false
        case .between(let low, let high):
            return number(condition.subject, score, values, record).map { $0 >= low && $0 < high } ?? false
        }
    }

    /// The numeric value a condition compares; nil when missing.
    private func number(
        _ subject: Topology.Condition.Subject, _ score: Double, _ values: [FeatureValue], _ record: Record
    ) -> Double? {
        let x: Double
        switch subject {
        case .score: x = score
        case .feature(_, let index): x = values[index].modelInput
        case .field(_, let index):
            switch record.values[index] {
            case .int(let v): x = Double(v)
            case .decimal(let units): x = Double(units) / Double(FixedPoint.scale)
            default: return nil
            }
        }
        return x.isNaN ? nil : x
    }

    /// The value a condition saw, as text for the alert's reason.
    private func observed(
        _ subject: Topology.Condition.Subject, score: Double, values: [FeatureValue], record: Record
    ) -> String {
        switch subject {
        case .score: return "\(score)"
        case .feature(_, let index):
            var w = JSONByteWriter(capacity: 24)
            w.value(values[index])
            return String(decoding: w.bytes, as: UTF8.self)
        case .field(_, let index): return StageProcessor.keyString(record.values[index]) ?? "null"
        }
    }

    /// Binary search in a sorted list, comparing UTF-8 bytes.
    static func contains(_ sorted: [String], _ value: String) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid].utf8.lexicographicallyPrecedes(value.utf8) { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low].utf8.elementsEqual(value.utf8)
    }
}

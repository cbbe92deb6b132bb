import Foundation
import VigilCore

/// A seeded, deterministic mutator of topology YAML for the parser fuzz test (docs/reliability.md).
///
/// It starts from a valid topology file and applies one to three mutations: line drops, duplications and swaps,
/// key/value swaps, indentation changes (spaces and tabs), random bytes, huge, negative and non-numeric values,
/// anchors and aliases (including "billion laughs" bombs in value and key positions and merge keys), deep nesting,
/// very long lines, tags, directives and extra documents. Not thread-safe: one per test.
struct FuzzYAMLMutator {
    enum Mutation: String, CaseIterable, Sendable {
        case dropLines, duplicateLine, swapLines, swapKeyValue, indentation, randomBytes, hugeNumber, replaceValue
        case aliasBomb, aliasKeyBomb, mergeKey, deepNesting, longLine, tagOrDirective, truncate, flowStyle
    }

    private var rng: Xoshiro256StarStar

    init(seed: UInt64) { rng = Xoshiro256StarStar(seed: seed) }

    /// A mutated copy of `yaml` and the mutations applied.
    mutating func mutate(_ yaml: String) -> (text: String, mutations: [Mutation]) {
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var applied: [Mutation] = []
        for _ in 0..<rng.int(in: 1...3) {
            let m = Mutation.allCases[rng.int(below: Mutation.allCases.count)]
            apply(m, to: &lines)
            applied.append(m)
        }
        return (lines.joined(separator: "\n"), applied)
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[rng.int(below: items.count)] }

    /// The indices of `key: value` lines (not comments).
    private func valueLines(_ lines: [String]) -> [Int] {
        lines.indices.filter {
            let t = lines[$0].drop { $0 == " " || $0 == "-" }
            return !t.hasPrefix("#") && t.contains(": ") && !t.hasSuffix(":")
        }
    }

    /// Replaces the value of a random `key: value` line (comments after it are dropped).
    private mutating func setValue(_ value: String, in lines: inout [String]) {
        let candidates = valueLines(lines)
        guard !candidates.isEmpty else {
            lines.append("x: \(value)")
            return
        }
        let i = pick(candidates)
        let line = lines[i]
        let colon = line.range(of: ": ")!
        lines[i] = String(line[..<colon.upperBound]) + value
    }

    mutating func apply(_ mutation: Mutation, to lines: inout [String]) {
        guard !lines.isEmpty else {
            lines = ["name: x"]
            return
        }
        switch mutation {
        case .dropLines:
            let start = rng.int(below: lines.count)
            lines.removeSubrange(start..<min(lines.count, start + rng.int(in: 1...3)))
        case .duplicateLine:
            let i = rng.int(below: lines.count)
            lines.insert(lines[i], at: rng.int(below: lines.count + 1))
        case .swapLines:
            lines.swapAt(rng.int(below: lines.count), rng.int(below: lines.count))
        case .swapKeyValue:
            let candidates = valueLines(lines)
            guard !candidates.isEmpty else { return }
            let i = pick(candidates)
            let line = lines[i]
            let indent = line.prefix { $0 == " " || $0 == "-" }
            let body = line.dropFirst(indent.count)
            let parts = body.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { return }
            lines[i] = "\(indent)\(parts[1]): \(parts[0])"
        case .indentation:
            let i = rng.int(below: lines.count)
            switch rng.int(below: 4) {
            case 0: lines[i] = " " + lines[i]
            case 1: lines[i] = "  " + lines[i]
            case 2: lines[i] = "\t" + lines[i]
            default: lines[i] = String(lines[i].drop { $0 == " " })
            }
        case .randomBytes:
            let i = rng.int(below: lines.count)
            var scalars = Array(lines[i].unicodeScalars)
            for _ in 0..<rng.int(in: 1...4) {
                let pool: [Unicode.Scalar] = [
                    "{", "}", "[", "]", ":", "-", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", ",", "?", "\t",
                    "\u{0}", "\u{7}", "\u{FEFF}", "\u{FFFD}", "\u{85}", "\u{2028}", "é",
                ]
                let s = rng.int(below: 3) == 0 ? Unicode.Scalar(UInt8(truncatingIfNeeded: rng.next())) : pick(pool)
                scalars.insert(s, at: rng.int(below: scalars.count + 1))
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            lines[i] = text
        case .hugeNumber:
            setValue(
                pick([
                    "99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                    "-1", "0", "1e400", "-1e400", ".nan", ".inf", "-.inf", "0x7fffffffffffffff", "1_000", "99999999999999999999d",
                    "9223372036854775807ms", "9223372036854775807d", "106751991167d", "106751991168d", "2562047788015h",
                    "-5m", "0s", "1e3s", "5M", "5 m", "", "~", "null", "0.0000001", "\(Int64.max)", "\(Int64.min)",
                ]), in: &lines)
        case .replaceValue:
            setValue(
                pick([
                    "[]", "{}", "[a, b]", "{a: 1}", "true", "yes", "no", "on", "''", "\"\"", "|\n  text", ">", "-",
                    "'unterminated", "\"\\x\"", "&anchor", "*undefined", "!!binary aGVsbG8=", "!!int 12", "!!float x",
                    "!!map {}", "2026-01-01", "12:30:00", "=", "<<", "@", "`x`", "a b c", "café", "\u{1F600}",
                ]), in: &lines)
        case .aliasBomb:
            // Nine levels of ten aliases: 10^9 nodes if expanded.
            var bomb = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
            for level in 1...9 {
                let refs = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
                bomb.append("lol\(level): &l\(level) [\(refs)]")
            }
            let target = pick(["kafka: *l9", "retention: *l9", "name: *l9", "grace: *l9", "zzz: *l9", "stages: *l9"])
            let position = rng.int(below: 2) == 0 ? 0 : lines.count
            lines.insert(contentsOf: bomb + [target], at: position)
        case .aliasKeyBomb:
            // A bomb used as a mapping key, which a YAML composer may hash or compare as a whole.
            var bomb = ["lol0: &k0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
            for level in 1...9 {
                let refs = Array(repeating: "*k\(level - 1)", count: 10).joined(separator: ", ")
                bomb.append("lol\(level): &k\(level) [\(refs)]")
            }
            bomb.append(pick(["? *k9\n: x", "*k9 : x", "? [*k9, *k9]\n: y", "{*k9 : 1}: z", "[*k9]: w"]))
            lines.insert(contentsOf: bomb, at: 0)
        case .mergeKey:
            lines.insert(contentsOf: ["base: &base {grace: 1m, retention: 1d}", "merged:", "  <<: *base", "  <<: *base"], at: 0)
        case .deepNesting:
            let depth = pick([100, 999, 1_000, 10_000])
            let value = rng.int(below: 2) == 0
                ? String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
                : String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth)
            setValue(value, in: &lines)
        case .longLine:
            // Rarely huge: a 200 000-character line costs as much as hundreds of ordinary documents.
            let length = rng.int(below: 200) == 0 ? 200_000 : pick([1_025, 4_096])
            setValue(String(repeating: pick(["a", "9", "é", " a"]), count: length), in: &lines)
        case .tagOrDirective:
            lines.insert(pick(["%YAML 1.2", "%TAG ! tag:x,2000:", "---", "--- !!map", "...", "--- |", "%YAML 9.9"]), at: rng.int(below: lines.count + 1))
        case .truncate:
            let i = rng.int(below: lines.count)
            lines = Array(lines[..<i]) + [String(lines[i].prefix(rng.int(below: lines[i].count + 1)))]
        case .flowStyle:
            let i = rng.int(below: lines.count)
            lines[i] += pick([" {", " [", " }", " ]", " ,", " &a", " *a", " !", " |", " >-", " ? ", " : "])
        }
    }
}

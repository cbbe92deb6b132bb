import VigilCore

/// A seeded, deterministic mutator of JSON events for the hostile-input fuzz tests (docs/reliability.md).
///
/// It starts from a valid event (a compact JSON object as `TransactionCodec` or `LabelCodec` writes it) and applies
/// one mutation, or a stack of two to four: byte-level damage (truncation, byte and bit flips, insertions, deletions,
/// duplicated ranges), malformed UTF-8 (overlong forms, encoded surrogates, 0xFF, cut sequences), deep nesting (up to
/// 10 000 `[`), huge and tiny numbers, `NaN` / `Infinity` literals, duplicate keys, a wrong type for a field, a
/// missing field, negative and far-future timestamps, 10 MB values (only when the caller allows one), empty input,
/// a byte-order mark, trailing garbage, control characters and broken escapes in strings, and very long keys.
///
/// The same seed gives the same sequence of inputs on every platform (the generator is `Xoshiro256StarStar`). Not
/// thread-safe: one per test.
///
/// This file is shared by the VigilCoreTests and VigilRuntimeTests targets (a symbolic link in the latter).
struct FuzzEventMutator {
    /// The classes of mutation, for the figures of a run.
    enum Mutation: String, CaseIterable, Sendable {
        case truncate, flipBytes, flipBits, insertBytes, deleteRange, duplicateRange
        case badUTF8, deepNesting, hugeNumber, nonFiniteLiteral, duplicateKey, wrongType, missingField, timestamp
        case hugeValue, empty, byteOrderMark, trailingGarbage, controlCharacter, escape, longKey, stacked
    }

    private var rng: Xoshiro256StarStar
    /// How many 10 MB values the mutator may still produce.
    private var hugeValuesLeft: Int

    /// - Parameters:
    ///   - seed: the run's seed; the same seed gives the same inputs.
    ///   - hugeValues: how many 10 MB inputs to make at most (they are slow to build and to decode in debug builds).
    init(seed: UInt64, hugeValues: Int = 2) {
        rng = Xoshiro256StarStar(seed: seed)
        hugeValuesLeft = hugeValues
    }

    /// A mutated copy of `valid`, and the mutation applied.
    mutating func mutate(_ valid: [UInt8]) -> (bytes: [UInt8], mutation: Mutation) {
        // Pick a class uniformly, except the 10 MB values, which are rare and rationed.
        var choices = Mutation.allCases.filter { $0 != .hugeValue }
        if hugeValuesLeft > 0 && rng.int(below: 2_000) == 0 { choices = [.hugeValue] }
        let mutation = choices[rng.int(below: choices.count)]
        if mutation == .stacked {
            var bytes = valid
            let steps = rng.int(in: 2...4)
            for _ in 0..<steps {
                let inner = choices.filter { $0 != .stacked && $0 != .empty }
                bytes = apply(inner[rng.int(below: inner.count)], to: bytes)
            }
            return (bytes, .stacked)
        }
        return (apply(mutation, to: valid), mutation)
    }

    /// Applies one mutation.
    mutating func apply(_ mutation: Mutation, to input: [UInt8]) -> [UInt8] {
        var bytes = input
        switch mutation {
        case .truncate:
            guard !bytes.isEmpty else { return bytes }
            return Array(bytes.prefix(rng.int(below: bytes.count)))
        case .flipBytes:
            guard !bytes.isEmpty else { return bytes }
            for _ in 0..<rng.int(in: 1...4) { bytes[rng.int(below: bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            return bytes
        case .flipBits:
            guard !bytes.isEmpty else { return bytes }
            for _ in 0..<rng.int(in: 1...4) { bytes[rng.int(below: bytes.count)] ^= 1 << UInt8(rng.int(below: 8)) }
            return bytes
        case .insertBytes:
            let interesting: [UInt8] = Array("{}[]\",:\\-.0123456789eEtfn ".utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xC0, 0xFF]
            for _ in 0..<rng.int(in: 1...4) {
                let b = rng.int(below: 2) == 0 ? interesting[rng.int(below: interesting.count)] : UInt8(truncatingIfNeeded: rng.next())
                bytes.insert(b, at: rng.int(below: bytes.count + 1))
            }
            return bytes
        case .deleteRange:
            guard !bytes.isEmpty else { return bytes }
            let start = rng.int(below: bytes.count)
            let count = rng.int(in: 1...min(16, bytes.count - start))
            bytes.removeSubrange(start..<(start + count))
            return bytes
        case .duplicateRange:
            guard !bytes.isEmpty else { return bytes }
            let start = rng.int(below: bytes.count)
            let count = rng.int(in: 1...min(32, bytes.count - start))
            bytes.insert(contentsOf: bytes[start..<(start + count)], at: rng.int(below: bytes.count + 1))
            return bytes
        case .badUTF8:
            let bad = Self.badUTF8[rng.int(below: Self.badUTF8.count)]
            return insertInString(bad, into: bytes) ?? insertAnywhere(bad, into: bytes)
        case .escape:
            let escape = Array(Self.escapes[rng.int(below: Self.escapes.count)].utf8)
            return insertInString(escape, into: bytes) ?? insertAnywhere(escape, into: bytes)
        case .controlCharacter:
            let c = [UInt8(rng.int(below: 0x20))]
            return insertInString(c, into: bytes) ?? insertAnywhere(c, into: bytes)
        case .deepNesting:
            let depth = [63, 64, 65, 100, 1_000, 10_000][rng.int(below: 6)]
            let closed = rng.int(below: 2) == 0
            var nest = Array(repeating: UInt8(ascii: "["), count: depth)
            if closed { nest += Array(repeating: UInt8(ascii: "]"), count: depth) }
            switch rng.int(below: 3) {
            case 0: return nest  // the whole input
            case 1: return replaceValue(in: bytes, with: nest) ?? nest
            default: return addMember(to: bytes, key: Array("nested".utf8), value: nest) ?? nest
            }
        case .hugeNumber:
            let number = Array(Self.numbers[rng.int(below: Self.numbers.count)].utf8)
            return replaceValue(in: bytes, with: number, numericOnly: rng.int(below: 2) == 0) ?? number
        case .nonFiniteLiteral:
            let literal = Array(Self.nonFinite[rng.int(below: Self.nonFinite.count)].utf8)
            return replaceValue(in: bytes, with: literal) ?? literal
        case .duplicateKey:
            guard var members = Self.members(of: bytes), !members.isEmpty else { return insertAnywhere(Array(#""v":1,"#.utf8), into: bytes) }
            var copy = members[rng.int(below: members.count)]
            if rng.int(below: 2) == 0 { copy.value = Self.wrongValues[rng.int(below: Self.wrongValues.count)] }
            members.insert(copy, at: rng.int(below: members.count + 1))
            return Self.object(members)
        case .wrongType:
            let value = Self.wrongValues[rng.int(below: Self.wrongValues.count)]
            return replaceValue(in: bytes, with: value) ?? value
        case .missingField:
            guard var members = Self.members(of: bytes), !members.isEmpty else { return bytes }
            members.remove(at: rng.int(below: members.count))
            if rng.int(below: 4) == 0, !members.isEmpty { members.remove(at: rng.int(below: members.count)) }
            return Self.object(members)
        case .timestamp:
            guard var members = Self.members(of: bytes) else { return bytes }
            let value = Array(Self.timestamps[rng.int(below: Self.timestamps.count)].utf8)
            let times = members.indices.filter { members[$0].key.last == UInt8(ascii: "s") && members[$0].key.contains(UInt8(ascii: "t")) }
            if let i = times.isEmpty ? nil : times[rng.int(below: times.count)] {
                members[i].value = value
            } else {
                members.append((Array("ts".utf8), value))
            }
            return Self.object(members)
        case .hugeValue:
            hugeValuesLeft -= 1
            let size = 10 * 1_024 * 1_024
            let value: [UInt8]
            switch rng.int(below: 3) {
            case 0: value = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "a"), count: size) + [UInt8(ascii: "\"")]
            case 1: value = [UInt8(ascii: "1")] + Array(repeating: UInt8(ascii: "0"), count: size)
            default: value = Array(repeating: UInt8(ascii: " "), count: size) + [UInt8(ascii: "1")]
            }
            return (rng.int(below: 2) == 0 ? replaceValue(in: bytes, with: value) : addMember(to: bytes, key: Array("pad".utf8), value: value)) ?? value
        case .empty:
            return [[], [0x20], [0x0A, 0x09, 0x0D, 0x20], [0x00]][rng.int(below: 4)]
        case .byteOrderMark:
            return [0xEF, 0xBB, 0xBF] + bytes
        case .trailingGarbage:
            let garbage: [[UInt8]] = [
                Array("x".utf8), Array("}".utf8), Array("{}".utf8), [0x00], Array(" ,".utf8), Array("\n".utf8) + input,
                Array(" 1".utf8), [0xFF], Array("/* */".utf8), Array("\u{2028}".utf8),
            ]
            return bytes + garbage[rng.int(below: garbage.count)]
        case .longKey:
            // Mostly long, rarely huge (a 300 000-byte key costs as much as a thousand ordinary events).
            let length = rng.int(below: 50) == 0 ? 300_000 : [256, 1_024, 4_096, 16_384][rng.int(below: 4)]
            var key = Array(repeating: UInt8(ascii: "k"), count: length)
            guard var members = Self.members(of: bytes), !members.isEmpty else { return addMember(to: bytes, key: key, value: Array("1".utf8)) ?? bytes }
            if rng.int(below: 2) == 0 {
                // A known name followed by many more bytes: must not match the field.
                let i = rng.int(below: members.count)
                key = members[i].key + key
                members[i].key = key
            } else {
                members.insert((key, Array("1".utf8)), at: rng.int(below: members.count + 1))
            }
            return Self.object(members)
        case .stacked:
            return apply(.flipBytes, to: apply(.truncate, to: bytes))
        }
    }

    // MARK: - Tables

    static let badUTF8: [[UInt8]] = [
        [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF],  // overlong
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],  // encoded surrogates (lone high, lone low)
        [0xFF], [0xFE], [0x80], [0xBF],  // never in UTF-8 / lone continuation
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],  // above U+10FFFF
        [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC3],  // cut sequences
        [0xC3, 0x28], [0xE2, 0x28, 0xA1],  // bad continuation
        Array("é€😀".utf8),  // valid, for contrast
    ]

    static let escapes = [
        #"\u0000"#, #"\u12"#, #"\u"#, #"\uZZZZ"#, #"\uD800"#, #"\uDC00"#, #"\uD800\u0041"#, #"\uD83D\uDE00"#,
        #"\x41"#, #"\'"#, #"\/"#, #"\\"#, #"\""#, #"\u00e9"#, "\\", #"\uDBFF\uDFFF"#, #"\uD800\uD800"#,
    ]

    static let numbers = [
        "1e400", "-1e400", "1e-400", "-1e-400", "123456789012345678901234567890", "-123456789012345678901234567890",
        "-0", "-0.0", "0e0", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "1e19", "1e18", "922337203685477.5807", "922337203685477.5808",
        "-922337203685477.5808", "0.00001", "0.00005", "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
        "1e308", "2e308", "1E+2", "100e-2", "1.0", "5411.0", "5.411e3", "0.1e1", "12345678901234567890e-10",
        String(repeating: "9", count: 400), "0." + String(repeating: "0", count: 400) + "1", "1e99999999999",
        "1e-99999999999",
    ]

    static let nonFinite = [
        "NaN", "nan", "Infinity", "-Infinity", "inf", "-inf", "+1", ".5", "01", "1.", "0x10", "1e", "1e+", "--1",
        "-", "1_000", "Infinity1", "tru", "nul", "True", "NULL", "undefined",
    ]

    static let wrongValues: [[UInt8]] = [
        "\"x\"", "\"12\"", "\"\"", "12", "-1", "1.5", "true", "false", "null", "[]", "{}", "[1,2]", #"{"a":1}"#,
        #"["pos"]"#, #"{"ts":1}"#, "\"1767225600000\"", "0",
    ].map { Array($0.utf8) }

    static let timestamps = [
        "-1", "0", "1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "253402300800000",
        "253402300799999", "32503680000000", "32503680000001", "1767225600000000", "1767225600000000000",
        "1767225600000.0", "1.7672256e12", "1767225600000.5", "-0", "99999999999999999999", "1e15", "\"2026-01-01\"",
    ]

    // MARK: - Members

    typealias Member = (key: [UInt8], value: [UInt8])

    /// The members of a compact, flat JSON object (as the codecs write it), or nil if `bytes` is not one.
    static func members(of bytes: [UInt8]) -> [Member]? {
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        var members: [Member] = []
        var i = 1
        let end = bytes.count - 1
        while i < end {
            guard bytes[i] == UInt8(ascii: "\""), let keyEnd = stringEnd(bytes, from: i) else { return nil }
            let key = Array(bytes[(i + 1)..<keyEnd])
            i = keyEnd + 1
            guard i < end, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            let start = i
            if i < end, bytes[i] == UInt8(ascii: "\"") {
                guard let e = stringEnd(bytes, from: i) else { return nil }
                i = e + 1
            } else {
                while i < end, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "{"), bytes[i] != UInt8(ascii: "[") { i += 1 }
                guard i == end || bytes[i] == UInt8(ascii: ",") else { return nil }
            }
            members.append((key, Array(bytes[start..<i])))
            if i < end {
                guard bytes[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            }
        }
        return members
    }

    /// The index of the quote that closes the string opening at `start`.
    private static func stringEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if bytes[i] == UInt8(ascii: "\"") { return i }
            i += 1
        }
        return nil
    }

    /// A compact JSON object of `members`.
    static func object(_ members: [Member]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (n, m) in members.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out += m.key
            out += Array("\":".utf8)
            out += m.value
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `bytes` with one member's value replaced (a numeric member's when `numericOnly`), or nil if it is not a flat
    /// object.
    private mutating func replaceValue(in bytes: [UInt8], with value: [UInt8], numericOnly: Bool = false) -> [UInt8]? {
        guard var members = Self.members(of: bytes), !members.isEmpty else { return nil }
        var candidates = Array(members.indices)
        if numericOnly {
            let numeric = candidates.filter { members[$0].value.first.map { $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) } ?? false }
            if !numeric.isEmpty { candidates = numeric }
        }
        members[candidates[rng.int(below: candidates.count)]].value = value
        return Self.object(members)
    }

    /// `bytes` with one more member, at a random position, or nil if it is not a flat object.
    private mutating func addMember(to bytes: [UInt8], key: [UInt8], value: [UInt8]) -> [UInt8]? {
        guard var members = Self.members(of: bytes) else { return nil }
        members.insert((key, value), at: rng.int(below: members.count + 1))
        return Self.object(members)
    }

    /// `bytes` with `fragment` inserted inside one of its string values, or nil if it has none.
    private mutating func insertInString(_ fragment: [UInt8], into bytes: [UInt8]) -> [UInt8]? {
        guard var members = Self.members(of: bytes) else { return nil }
        let strings = members.indices.filter { members[$0].value.count >= 2 && members[$0].value.first == UInt8(ascii: "\"") }
        if strings.isEmpty || rng.int(below: 5) == 0 {
            // Inside a key instead.
            guard !members.isEmpty else { return nil }
            let i = rng.int(below: members.count)
            members[i].key.insert(contentsOf: fragment, at: rng.int(below: members[i].key.count + 1))
            return Self.object(members)
        }
        let i = strings[rng.int(below: strings.count)]
        let at = 1 + rng.int(below: members[i].value.count - 1)
        members[i].value.insert(contentsOf: fragment, at: at)
        return Self.object(members)
    }

    private mutating func insertAnywhere(_ fragment: [UInt8], into bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        bytes.insert(contentsOf: fragment, at: rng.int(below: bytes.count + 1))
        return bytes
    }
}

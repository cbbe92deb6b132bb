/// A strict RFC 8259 JSON parser for manifests and model files.
///
/// Rejects trailing commas, comments, NaN/Infinity literals, duplicate object keys, unescaped control characters,
/// lone surrogates and nesting deeper than ``maxDepth``; errors give the line and column. Pure Swift, used at load
/// time only.
struct JSONParser {
    /// How deeply arrays and objects may nest.
    static let maxDepth = 256

    /// Parses `bytes` (UTF-8) as one JSON document; `file` names it in errors.
    static func parse(_ bytes: [UInt8], file: String) throws(ModelError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<JSONValue, ModelError> in
            var parser = JSONParser(bytes: buffer, file: file)
            return Result { () throws(ModelError) -> JSONValue in try parser.document() }
        }
        return try result.get()
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private var offset = 0
    private var depth = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.bytes = bytes
        self.file = file
    }

    private mutating func document() throws(ModelError) -> JSONValue {
        // A UTF-8 byte-order mark is tolerated.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { offset = 3 }
        skipWhitespace()
        guard offset < bytes.count else { throw failure("the file is empty") }
        let value = try value()
        skipWhitespace()
        guard offset == bytes.count else { throw failure("unexpected \(describeNext()) after the JSON value") }
        return value
    }

    private mutating func value() throws(ModelError) -> JSONValue {
        guard offset < bytes.count else { throw failure("unexpected end of file, expected a value") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected \(describeNext()), expected a value")
        }
    }

    private mutating func object() throws(ModelError) -> JSONValue {
        try enter()
        offset += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            offset += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw failure("unexpected \(describeNext()), expected a string key") }
            let keyOffset = offset
            let key = try string()
            if members.contains(where: { $0.key == key }) {
                offset = keyOffset
                throw failure("duplicate key \"\(key)\"")
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw failure("unexpected \(describeNext()), expected ':'") }
            offset += 1
            skipWhitespace()
            members.append((key, try value()))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                offset += 1
                continue
            }
            guard peek(UInt8(ascii: "}")) else { throw failure("unexpected \(describeNext()), expected ',' or '}'") }
            offset += 1
            depth -= 1
            return .object(members)
        }
    }

    private mutating func array() throws(ModelError) -> JSONValue {
        try enter()
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            offset += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                offset += 1
                continue
            }
            guard peek(UInt8(ascii: "]")) else { throw failure("unexpected \(describeNext()), expected ',' or ']'") }
            offset += 1
            depth -= 1
            return .array(elements)
        }
    }

    private mutating func enter() throws(ModelError) {
        depth += 1
        if depth > Self.maxDepth { throw failure("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func literal(_ word: String) throws(ModelError) {
        let expected = Array(word.utf8)
        let count = expected.count
        guard offset + count <= bytes.count, (0..<count).allSatisfy({ bytes[offset + $0] == expected[$0] }) else {
            throw failure("unexpected \(describeNext()), expected a value")
        }
        offset += count
    }

    private mutating func number() throws(ModelError) -> JSONValue {
        let start = offset
        if peek(UInt8(ascii: "-")) { offset += 1 }
        if peek(UInt8(ascii: "0")) {
            offset += 1
        } else if offset < bytes.count, isDigit(bytes[offset]) {
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        } else {
            throw failure("invalid number: expected a digit")
        }
        if peek(UInt8(ascii: ".")) {
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw failure("invalid number: expected a digit after '.'")
            }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw failure("invalid number: expected a digit in the exponent")
            }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let double = Double(text), let float = Float(text), double.isFinite else {
            offset = start
            throw failure("number \(text) is out of range")
        }
        return .number(double, float)
    }

    private mutating func string() throws(ModelError) -> String {
        offset += 1  // the opening quote
        var scalars: [UInt8] = []
        var runStart = offset
        while true {
            guard offset < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                scalars.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset]))
                offset += 1
                break
            }
            if byte < 0x20 { throw failure("control character U+00\(hex(byte)) in a string (escape it)") }
            if byte != UInt8(ascii: "\\") {
                offset += 1
                continue
            }
            scalars.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset]))
            offset += 1
            guard offset < bytes.count else { throw failure("unterminated string") }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                        bytes[offset + 1] == UInt8(ascii: "u")
                    else { throw failure("lone surrogate \\u\(String(code, radix: 16)) in a string") }
                    offset += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw failure("lone surrogate \\u\(String(code, radix: 16)) in a string")
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw failure("lone surrogate \\u\(String(code, radix: 16)) in a string")
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("invalid escape \\u\(code)") }
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                offset -= 1
                throw failure("invalid escape '\\\(describe(escape))' in a string")
            }
            runStart = offset
        }
        guard let text = String(validating: scalars, as: UTF8.self) else {
            throw failure("a string is not valid UTF-8")
        }
        return text
    }

    private mutating func hex4() throws(ModelError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw failure("unterminated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape: '\(describe(byte))' is not a hex digit")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool { offset < bytes.count && bytes[offset] == byte }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16, uppercase: true)
        return text.count == 1 ? "0" + text : text
    }

    private func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + hex(byte)
    }

    private func describeNext() -> String {
        guard offset < bytes.count else { return "end of file" }
        return "'\(describe(bytes[offset]))'"
    }

    /// An error at the current offset, with its 1-based line and column (in bytes).
    private func failure(_ message: String) -> ModelError {
        var line = 1
        var column = 1
        for index in 0..<min(offset, bytes.count) {
            if bytes[index] == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return ModelError(code: .invalidJSON, file: file, message: "invalid JSON at line \(line), column \(column): \(message)")
    }
}

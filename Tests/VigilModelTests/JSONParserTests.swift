import Testing

@testable import VigilModel

/// The strict JSON reader behind manifests and model files.
@Suite("JSON parser")
struct JSONParserTests {
    static func parse(_ text: String) throws(ModelError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8), file: "t.json")
    }

    @Test("numbers keep their exact float32 and float64 values from the decimal text")
    func numbers() throws {
        guard case .array(let values) = try Self.parse("[5.0341886E-1, -0, 1e-45, 3.4028235E38, 12, 0.1]") else {
            Issue.record("not an array")
            return
        }
        let pairs = values.compactMap { value -> (Double, Float)? in
            if case .number(let double, let float) = value { return (double, float) }
            return nil
        }
        #expect(pairs.count == 6)
        #expect(pairs[0].1 == Float("5.0341886E-1")! && pairs[0].0 == 0.50341886)
        #expect(pairs[1].0 == 0 && pairs[1].0.sign == .minus)
        #expect(pairs[2].1 == Float.leastNonzeroMagnitude)
        #expect(pairs[3].1 == Float.greatestFiniteMagnitude)
        #expect(pairs[4].0 == 12 && pairs[5].0 == 0.1 && pairs[5].1 == Float(0.1))
    }

    @Test("strings: escapes, surrogate pairs, raw UTF-8")
    func strings() throws {
        guard case .string(let text) = try Self.parse(#""a\"b\\c\/\n\t\u00e9\ud83d\ude00 ç""#) else {
            Issue.record("not a string")
            return
        }
        #expect(text == "a\"b\\c/\n\té😀 ç")
    }

    @Test(
        "malformed documents are rejected with line and column",
        arguments: [
            ("", "t.json: invalid JSON at line 1, column 1: the file is empty"),
            ("[1,]", "t.json: invalid JSON at line 1, column 4: unexpected ']', expected a value"),
            ("{\"a\":1,\n \"a\":2}", #"t.json: invalid JSON at line 2, column 2: duplicate key "a""#),
            ("[NaN]", "t.json: invalid JSON at line 1, column 2: unexpected 'N', expected a value"),
            ("[01]", "t.json: invalid JSON at line 1, column 3: unexpected '1', expected ',' or ']'"),
            ("[1.]", "t.json: invalid JSON at line 1, column 4: invalid number: expected a digit after '.'"),
            ("\"a\nb\"", "t.json: invalid JSON at line 1, column 3: control character U+000A in a string (escape it)"),
            (#"["\ud800"]"#, #"t.json: invalid JSON at line 1, column 9: lone surrogate \ud800 in a string"#),
            ("{} x", "t.json: invalid JSON at line 1, column 4: unexpected 'x' after the JSON value"),
            ("[1e999]", "t.json: invalid JSON at line 1, column 2: number 1e999 is out of range"),
            (String(repeating: "[", count: 300), "t.json: invalid JSON at line 1, column 257: nesting deeper than 256 levels"),
        ])
    func malformed(text: String, message: String) {
        #expect(throws: ModelError(code: .invalidJSON, file: "t.json", message: String(message.dropFirst(8)))) {
            try Self.parse(text)
        }
    }
}

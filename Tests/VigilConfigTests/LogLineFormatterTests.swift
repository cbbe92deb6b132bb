import Foundation
import Logging
import Synchronization
import Testing
@testable import VigilConfig

/// A record at 2026-01-31T12:34:56.789Z.
private func record(
    _ message: String = "partition assigned", metadata: Logger.Metadata = [:], level: Logger.Level = .info
) -> LogRecord {
    LogRecord(
        seconds: 1_769_862_896, nanoseconds: 789_123_456, level: level, label: "vigil.run", message: message,
        metadata: metadata, source: "VigilRuntime")
}

@Suite struct LogLineFormatterTests {
    @Test("JSON: fixed keys first, then metadata sorted by key")
    func jsonWithMetadata() {
        let line = LogLineFormatter.json(record(metadata: ["thread": "0", "partition": "3", "topic": "transactions"]))
        #expect(line == #"{"ts":"2026-01-31T12:34:56.789Z","level":"info","label":"vigil.run","msg":"partition assigned","partition":"3","thread":"0","topic":"transactions"}"#)
    }

    @Test("JSON: quotes, backslashes, newlines, control characters escaped; unicode kept as UTF-8")
    func jsonEscaping() throws {
        let message = "say \"hi\"\\ \nnext\tline\r\u{01}\u{1F} café 🚀 \u{2028}"
        let line = LogLineFormatter.json(record(message, metadata: ["path": "C:\\x \"q\""]))
        #expect(line == #"{"ts":"2026-01-31T12:34:56.789Z","level":"info","label":"vigil.run","msg":"say \"hi\"\\ \nnext\tline\r\u0001\u001f café 🚀 "# + "\u{2028}" + #"","path":"C:\\x \"q\""}"#)
        // And a JSON parser reads the same strings back.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == message)
        #expect(object["path"] as? String == "C:\\x \"q\"")
        #expect(!line.contains("\n"), "one record, one line")
    }

    @Test("JSON: nested metadata as arrays and objects with sorted keys; colliding keys renamed")
    func jsonNested() {
        let metadata: Logger.Metadata = [
            "kafka": ["topic": "t", "partitions": ["0", "1"], "leader": .stringConvertible(3)],
            "msg": "shadowed", "empty": [:], "none": [],
        ]
        let line = LogLineFormatter.json(record(metadata: metadata))
        #expect(line == #"{"ts":"2026-01-31T12:34:56.789Z","level":"info","label":"vigil.run","msg":"partition assigned","empty":{},"kafka":{"leader":"3","partitions":["0","1"],"topic":"t"},"msg_":"shadowed","none":[]}"#)
    }

    @Test("logfmt: fixed keys first, values quoted only when needed")
    func logfmtWithMetadata() {
        let line = LogLineFormatter.logfmt(record(metadata: ["thread": "0", "topic": "transactions", "note": ""]))
        #expect(line == #"ts=2026-01-31T12:34:56.789Z level=info label=vigil.run msg="partition assigned" note="" thread=0 topic=transactions"#)
    }

    @Test("logfmt: quotes, equals, newlines and control characters escaped inside quotes; unicode kept")
    func logfmtEscaping() {
        let line = LogLineFormatter.logfmt(record("a=\"b\"\nc\\d\t\u{07}", metadata: [
            "bad key=\"x\"": "café", "path": "C:\\dir", "emoji": "🚀",
        ]))
        #expect(line == #"ts=2026-01-31T12:34:56.789Z level=info label=vigil.run msg="a=\"b\"\nc\\d\t\u0007" bad_key__x_=café emoji=🚀 path=C:\dir"#)
    }

    @Test("logfmt: nested metadata flattened with dotted keys")
    func logfmtNested() {
        let metadata: Logger.Metadata = ["kafka": ["topic": "t", "hosts": ["a", "b c"]], "empty": [], "none": [:]]
        let line = LogLineFormatter.logfmt(record(metadata: metadata))
        #expect(line == #"ts=2026-01-31T12:34:56.789Z level=info label=vigil.run msg="partition assigned" empty=[] kafka.hosts.0=a kafka.hosts.1="b c" kafka.topic=t none={}"#)
    }

    @Test("text: exactly swift-log's StreamLogHandler line")
    func textMatchesStreamLogHandler() {
        let captured = Captured()
        var stream = StreamLogHandler(label: "vigil.run", stream: captured, metadataProvider: nil)
        stream.logLevel = .trace
        let metadata: Logger.Metadata = ["thread": "0", "kafka": ["topic": "t"]]
        stream.log(event: LogEvent(
            level: .warning, message: "lag \"high\"", metadata: metadata, source: "VigilRuntime", file: #fileID,
            function: #function, line: #line))
        let theirs = captured.text.dropLast()  // the newline
        let ours = LogLineFormatter.text(
            LogRecord(seconds: 0, nanoseconds: 0, level: .warning, label: "vigil.run", message: "lag \"high\"",
                      metadata: metadata, source: "VigilRuntime"),
            timestamp: "TS")
        // Timestamps differ (theirs is now); everything after the first space must be identical.
        #expect(ours.drop { $0 != " " } == theirs.drop { $0 != " " })
        #expect(ours == #"TS warning vigil.run: kafka=["topic": "t"] thread=0 [VigilRuntime] lag "high""#)
    }

    @Test("RFC 3339 UTC times", arguments: [
        (Int64(1_769_862_896), 789_999_999, "2026-01-31T12:34:56.789Z"),
        (0, 0, "1970-01-01T00:00:00.000Z"),
        (1_709_251_199, 1_000_000, "2024-02-29T23:59:59.001Z"),
        (-1, 0, "1969-12-31T23:59:59.000Z"),
        (4_107_542_400, 0, "2100-03-01T00:00:00.000Z"),
    ])
    func rfc3339(seconds: Int64, nanoseconds: Int, expected: String) {
        #expect(LogLineFormatter.rfc3339(seconds: seconds, nanoseconds: nanoseconds) == expected)
    }

    @Test("The handler writes one line per record at or above its level, with its own and the record's metadata")
    func handlerWritesLines() throws {
        let captured = Captured()
        let writer = StandardErrorWriter { captured.write(String(decoding: $0, as: UTF8.self)) }
        var logger = Logger(label: "vigil.test") { label in
            StructuredLogHandler(label: label, format: .json, level: .info, output: writer)
        }
        logger.logLevel = .info
        logger[metadataKey: "thread"] = "2"
        logger.debug("hidden")
        logger.info("shown", metadata: ["offset": "42"])
        logger.error("failed", error: TestError())
        let lines = captured.text.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
        #expect(first["msg"] == "shown" && first["offset"] == "42" && first["thread"] == "2" && first["level"] == "info")
        #expect(first["label"] == "vigil.test")
        #expect(lines[0].hasPrefix(#"{"ts":""#) && lines[0].contains(#"Z","level":"info","label":"vigil.test","msg":"shown","offset":"42","thread":"2"}"#))
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: String])
        #expect(second["error.message"] == "the test failed" && second["level"] == "error")
    }
}

private struct TestError: Error, CustomStringConvertible {
    var description: String { "the test failed" }
}

/// Collects written text (a stream for StreamLogHandler, a sink for StandardErrorWriter).
final class Captured: TextOutputStream, Sendable {
    private let buffer = Mutex("")
    var text: String { buffer.withLock { $0 } }
    func write(_ string: String) { buffer.withLock { $0 += string } }
}

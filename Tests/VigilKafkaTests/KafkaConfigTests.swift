import Logging
import Testing
import VigilKafka

@Suite struct KafkaConfigTests {
    @Test func unknownPropertyIsAConfigErrorNamingIt() throws {
        let error = try #require(throws: KafkaError.self) {
            _ = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"]),
                                  logger: LogCapture().logger)
        }
        #expect(error.code == .config)
        #expect(error.message.contains("no.such.property"))
        #expect(error.message.contains("No such configuration property"))  // librdkafka's own text
    }

    @Test func badValueIsAConfigErrorNamingTheProperty() throws {
        let error = try #require(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                config: KafkaConfig(["bootstrap.servers": "127.0.0.1:1", "group.id": "g", "session.timeout.ms": "soon"]),
                logger: LogCapture().logger)
        }
        #expect(error.code == .config)
        #expect(error.message.contains("session.timeout.ms"))
        #expect(error.message.contains("Invalid value for configuration property"))  // librdkafka's errstr
    }

    @Test func badEnumValueIsAConfigError() throws {
        let error = try #require(throws: KafkaError.self) {
            _ = try KafkaAdmin(config: KafkaConfig(["bootstrap.servers": "127.0.0.1:1", "security.protocol": "carrier-pigeon"]),
                               logger: LogCapture().logger)
        }
        #expect(error.code == .config)
        #expect(error.message.contains("security.protocol"))
    }

    @Test func consumerRequiresGroupID() throws {
        let error = try #require(throws: KafkaError.self) {
            _ = try KafkaConsumer(config: KafkaConfig(bootstrapServers: "127.0.0.1:1"), logger: LogCapture().logger)
        }
        #expect(error.code == .config)
        #expect(error.message.contains("group.id"))
    }

    @Test func subscriptAndInitializers() {
        var config = KafkaConfig(bootstrapServers: "a:1")
        config["acks"] = "all"
        #expect(config.properties == ["bootstrap.servers": "a:1", "acks": "all"])
        config["acks"] = nil
        #expect(config["acks"] == nil)
    }

    @Test func librdkafkaLogsReachTheLogger() throws {
        let capture = LogCapture(level: .debug)
        let producer = try KafkaProducer(
            config: KafkaConfig(["bootstrap.servers": "127.0.0.1:1", "debug": "generic"]), logger: capture.logger)
        // log.queue=true: the lines are delivered when the producer is polled, on the polling thread.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while capture.lines.isEmpty && ContinuousClock.now < deadline {
            producer.poll()
        }
        let line = try #require(capture.lines.first)
        #expect(line.level == .debug)
        #expect(line.metadata["rdkafka.facility"] != nil)
    }
}

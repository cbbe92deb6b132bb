#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Testing
import VigilKafka

/// A local throughput check, not a test: `VIGIL_KAFKA_BENCH=1 swift test -c release --filter ThroughputCheck`.
/// Produces and consumes 200k 200-byte messages on the mock cluster and prints messages/s.
@Suite(.enabled(if: getenv("VIGIL_KAFKA_BENCH") != nil)) struct ThroughputCheck {
    @Test func produceAndConsume200kMessages() throws {
        let capture = LogCapture(level: .warning)
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("bench")
        // The 2.0.2 mock keeps at most ~5 MiB per partition: 16 partitions hold 40 MB comfortably.
        try cluster.createTopic(topic, partitions: 16)
        let count = 200_000
        let value = [UInt8](repeating: 0x61, count: 200)
        let keys = (0..<1024).map { bytes("card-\($0)") }

        let producer = try KafkaProducer(
            config: producerConfig(cluster, extra: ["linger.ms": "20", "batch.num.messages": "10000"]), logger: capture.logger)
        let clock = ContinuousClock()
        let produceStart = clock.now
        for index in 0..<count {
            try producer.send(topic: topic, key: keys[index & 1023], value: value)
            if index & 1023 == 0 { producer.poll() }
        }
        try producer.flush(timeout: .seconds(60))
        let produceTime = produceStart.duration(to: clock.now)

        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        var offsets: [TopicPartition: Int64] = [:]
        for partition in 0..<Int32(16) { offsets[TopicPartition(topic, partition)] = KafkaOffset.beginning }
        let consumeStart = clock.now
        try consumer.assign(offsets)
        var received = 0
        var bytesReceived = 0
        var firstMessage = clock.now
        let deadline = clock.now.advanced(by: .seconds(120))
        while received < count && clock.now < deadline {
            let batch = try consumer.poll(maxMessages: 2000, timeout: .milliseconds(500))
            if received == 0 && !batch.isEmpty { firstMessage = clock.now }
            received += batch.count
            for message in batch { bytesReceived += message.value?.count ?? 0 }
        }
        let consumeTime = consumeStart.duration(to: clock.now)
        #expect(received == count)
        #expect(bytesReceived == count * 200)

        func rate(_ duration: Duration) -> Int {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return Int(Double(count) / seconds)
        }
        print("THROUGHPUT produce: \(count) msgs in \(produceTime) = \(rate(produceTime)) msg/s")
        let steady = firstMessage.duration(to: clock.now)
        print("THROUGHPUT consume: \(received) msgs in \(consumeTime) = \(rate(consumeTime)) msg/s (from the first message: \(rate(steady)) msg/s)")
    }
}

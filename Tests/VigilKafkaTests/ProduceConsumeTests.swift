import Logging
import Testing
import VigilKafka

@Suite struct ProduceConsumeTests {
    /// The key of message `index`; message 3 has no key.
    static func key(_ index: Int) -> [UInt8]? { index == 3 ? nil : bytes("card-\(index % 37)-\(index)") }
    /// The value of message `index`: 7 is a tombstone, 8 is empty (not null).
    static func value(_ index: Int) -> [UInt8]? {
        switch index {
        case 7: nil
        case 8: []
        default: bytes("amount=\(index * 3)")
        }
    }
    /// Every 10th message has headers, including a null-valued and an empty-valued one.
    static func headers(_ index: Int) -> [KafkaHeader] {
        guard index % 10 == 0 else { return [] }
        return [
            KafkaHeader(key: "trace", value: bytes("t-\(index)")),
            KafkaHeader(key: "null", value: nil),
            KafkaHeader(key: "empty", value: []),
        ]
    }

    @Test func everyMessageRoundTripsThroughAConsumerGroupWithBatchPoll() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("roundtrip")
        try cluster.createTopic(topic, partitions: 4)
        let count = 300

        let producer = try KafkaProducer(config: producerConfig(cluster), logger: capture.logger)
        for index in 0..<count {
            try producer.send(topic: topic, key: Self.key(index), value: Self.value(index), headers: Self.headers(index))
        }
        try producer.flush(timeout: .seconds(20))
        #expect(producer.deliveryFailures == 0)
        #expect(producer.inFlight == 0)

        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        let listener = RecordingListener()
        try consumer.subscribe(topics: [topic], listener: listener)
        let messages = try consume(consumer, count: count, maxMessages: 64)
        #expect(messages.count == count)
        #expect(listener.held == Set((0..<4).map { TopicPartition(topic, $0) }))

        // Messages are identified by their value (unique except tombstone/empty) or, for those, by key.
        var seen = Set<Int>()
        for message in messages {
            #expect(message.topic == topic)
            #expect(message.timestamp != nil)
            let index = try #require(
                (0..<count).first { Self.key($0) == message.key && Self.value($0) == message.value },
                "unexpected message \(message)")
            #expect(seen.insert(index).inserted, "message \(index) delivered twice")
            #expect(message.headers == Self.headers(index))
        }
        #expect(seen.count == count)
        let tombstone = try #require(messages.first { $0.key == Self.key(7) })
        #expect(tombstone.value == nil)
        let empty = try #require(messages.first { $0.key == Self.key(8) })
        #expect(empty.value == [])

        // Per partition, offsets are 0, 1, 2, ... in order, and all four partitions got messages (keyed partitioner).
        let byPartition = Dictionary(grouping: messages, by: \.partition)
        #expect(byPartition.count == 4)
        for (partition, partitionMessages) in byPartition {
            #expect(partitionMessages.map(\.offset) == Array(0..<Int64(partitionMessages.count)), "partition \(partition)")
            let marks = try consumer.watermarks(TopicPartition(topic, partition), timeout: .seconds(5))
            #expect(marks.low == 0 && marks.high == Int64(partitionMessages.count))
        }
        consumer.close()
    }

    @Test func pollReturnsAvailableMessagesWithoutWaitingForTheFullTimeout() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("prompt")
        try cluster.createTopic(topic, partitions: 1)
        try produceNumbered(cluster, topic: topic, count: 5)
        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        try consumer.assign([TopicPartition(topic, 0): KafkaOffset.beginning])

        var messages: [KafkaMessage] = []
        let clock = ContinuousClock()
        var slowestPollWithMessages: Duration = .zero
        let deadline = clock.now.advanced(by: .seconds(20))
        while messages.count < 5 && clock.now < deadline {
            let start = clock.now
            let batch = try consumer.poll(maxMessages: 1000, timeout: .seconds(30))
            if !batch.isEmpty { slowestPollWithMessages = max(slowestPollWithMessages, start.duration(to: clock.now)) }
            messages += batch
        }
        #expect(messages.map(\.offset) == [0, 1, 2, 3, 4])
        // With a 30 s timeout and 1000 wanted, a poll that returns the 5 messages must not have waited it out.
        #expect(slowestPollWithMessages < .seconds(10))
    }
}

import Logging
import Testing
import VigilKafka

@Suite struct OffsetTests {
    @Test func aNewConsumerResumesFromCommittedOffsetsAndNothingIsAutoCommitted() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("commits")
        try cluster.createTopic(topic, partitions: 1)
        try produceNumbered(cluster, topic: topic, count: 20)
        let partition = TopicPartition(topic, 0)

        // Group A: consume everything, commit only up to offset 12 (next to read).
        let groupA = uniqueName("ga")
        do {
            let consumer = try KafkaConsumer(
                config: consumerConfig(cluster, group: groupA, extra: ["auto.commit.interval.ms": "100"]),
                logger: capture.logger)
            try consumer.subscribe(topics: [topic], listener: RecordingListener())
            let messages = try consume(consumer, count: 20)
            #expect(messages.count == 20)
            try consumer.commit([partition: 12], async: false)
            #expect(try consumer.committed([partition], timeout: .seconds(5)) == [partition: 12])
            consumer.close()
        }
        do {
            let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: groupA), logger: capture.logger)
            try consumer.subscribe(topics: [topic], listener: RecordingListener())
            let messages = try consume(consumer, count: 8)
            #expect(messages.first?.offset == 12)
            #expect(messages.map(\.offset) == Array(12..<20))
            consumer.close()
        }

        // Group B: consume everything but never commit (even though the caller asked for auto-commit); a successor
        // starting from the group's committed position reads from the beginning again. Manual assignment keeps this
        // half fast (no group join, which the mock delays by about 3 s).
        let groupB = uniqueName("gb")
        do {
            let consumer = try KafkaConsumer(
                config: consumerConfig(cluster, group: groupB, extra: ["enable.auto.commit": "true", "auto.commit.interval.ms": "100"]),
                logger: capture.logger)
            try consumer.assign([partition: KafkaOffset.committed])
            #expect(try consume(consumer, count: 20).count == 20)
            // Keep polling past several auto-commit intervals: still nothing may be committed.
            var more: [KafkaMessage] = []
            _ = try pollUntil(consumer, limit: .milliseconds(500), into: &more) { _ in false }
            #expect(try consumer.committed([partition], timeout: .seconds(5)).isEmpty)
            consumer.close()
        }
        do {
            let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: groupB), logger: capture.logger)
            try consumer.assign([partition: KafkaOffset.committed])
            let messages = try consume(consumer, count: 20)
            #expect(messages.first?.offset == 0)
            #expect(messages.count == 20)
            consumer.close()
        }
        #expect(capture.lines.contains { $0.message.contains("ignoring 'enable.auto.commit=true'") })
    }

    @Test func asyncCommitIsVisibleAfterwards() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("async-commit")
        try cluster.createTopic(topic, partitions: 2)
        try produceNumbered(cluster, topic: topic, partition: 1, count: 3)
        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        try consumer.assign([TopicPartition(topic, 0): KafkaOffset.beginning, TopicPartition(topic, 1): KafkaOffset.beginning])
        #expect(try consume(consumer, count: 3).count == 3)
        try consumer.commit([TopicPartition(topic, 1): 3], async: true)
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        var committed: [TopicPartition: Int64] = [:]
        while committed.isEmpty && ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 10, timeout: .milliseconds(50))
            committed = try consumer.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout: .seconds(5))
        }
        #expect(committed == [TopicPartition(topic, 1): 3])
    }

    @Test func seekMovesTheFetchPosition() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("seek")
        try cluster.createTopic(topic, partitions: 1)
        try produceNumbered(cluster, topic: topic, count: 30)
        let partition = TopicPartition(topic, 0)
        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        try consumer.assign([partition: 10])
        #expect(try consumer.assignment() == [partition])

        let first = try consume(consumer, count: 1, maxMessages: 1)
        #expect(first.first?.offset == 10)  // assign honours the start offset

        try consumer.seek(partition, to: 25, timeout: .seconds(5))
        let afterSeek = try consume(consumer, count: 5)
        #expect(afterSeek.first?.offset == 25)
        #expect(afterSeek.map(\.offset) == Array(25..<30))

        try consumer.seek(partition, to: 2, timeout: .seconds(5))
        let backwards = try consume(consumer, count: 1, maxMessages: 1)
        #expect(backwards.first?.offset == 2)
        #expect(text(backwards.first?.value) == "value-2")

        try consumer.assign([:])
        #expect(try consumer.assignment().isEmpty)
    }

    @Test func callsAfterCloseThrowStateAndCloseIsIdempotent() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        consumer.close()
        consumer.close()
        let error = try #require(throws: KafkaError.self) { try consumer.poll(maxMessages: 1, timeout: .zero) }
        #expect(error.code == .state)
    }
}

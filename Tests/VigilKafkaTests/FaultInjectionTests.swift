import Logging
import Testing
import VigilKafka

@Suite struct FaultInjectionTests {
    @Test func consumerGetsEverythingAcrossABrokerOutage() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(brokers: 3, logger: capture.logger)
        let topic = uniqueName("outage")
        try cluster.createTopic(topic, partitions: 3, replicationFactor: 3)
        let producer = try KafkaProducer(config: producerConfig(cluster), logger: capture.logger)
        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        try consumer.subscribe(topics: [topic], listener: RecordingListener())

        for index in 0..<60 { try producer.send(topic: topic, key: bytes("k\(index)"), value: bytes("before-\(index)")) }
        try producer.flush(timeout: .seconds(20))
        var messages = try consume(consumer, count: 60)
        #expect(messages.count == 60)

        // Take every broker down, keep producing and polling, then bring them back.
        for broker in 1...3 { try cluster.setBrokerDown(Int32(broker)) }
        for index in 0..<60 { try producer.send(topic: topic, key: bytes("k\(index)"), value: bytes("during-\(index)")) }
        messages += try consumer.poll(maxMessages: 100, timeout: .milliseconds(300))
        producer.poll()
        for broker in 1...3 { try cluster.setBrokerUp(Int32(broker)) }

        try producer.flush(timeout: .seconds(30))
        try pollUntil(consumer, limit: .seconds(30), into: &messages) { $0.count >= 120 }
        let values = Set(messages.compactMap { text($0.value) })
        #expect(values.count == 120)
        #expect(values.contains("during-59"))
        consumer.close()
    }

    @Test func slowBrokerStillDelivers() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("slow")
        try cluster.createTopic(topic, partitions: 1)
        try cluster.setRoundTripTime(broker: 1, milliseconds: 200)
        try produceNumbered(cluster, topic: topic, count: 5)
        try cluster.setRoundTripTime(broker: 1, milliseconds: 0)
        let consumer = try KafkaConsumer(config: consumerConfig(cluster, group: uniqueName("g")), logger: capture.logger)
        try consumer.assign([TopicPartition(topic, 0): KafkaOffset.beginning])
        #expect(try consume(consumer, count: 5).count == 5)
    }

    @Test func mockOperationsOnUnknownBrokersThrowMockClusterErrors() throws {
        let cluster = try EmbeddedKafka(logger: LogCapture().logger)
        #expect(cluster.bootstrapServers.contains("127.0.0.1") || cluster.bootstrapServers.contains("localhost"))
        let error = try #require(throws: KafkaError.self) { try cluster.setBrokerDown(42) }
        #expect(error.code == .mockCluster)
        #expect(error.message.contains("42"))
    }
}

import Logging
import Testing
import VigilKafka

@Suite struct ErrorTests {
    /// librdkafka 2.0.2's mock cluster only speaks Metadata versions that cannot carry AllowAutoTopicCreation, so it
    /// creates any topic a client asks about, whatever `allow.auto.create.topics` says (librdkafka warns about it).
    /// A missing topic is therefore simulated with the mock's topic error, which is what a real broker reports.
    @Test func consumingAMissingTopicThrowsUnknownTopic() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let missing = uniqueName("missing")
        cluster.setTopicError(missing, error: .unknownTopicOrPartition)
        let consumer = try KafkaConsumer(
            config: consumerConfig(cluster, group: uniqueName("g"), extra: ["allow.auto.create.topics": "false"]),
            logger: capture.logger)
        try consumer.subscribe(topics: [missing], listener: RecordingListener())
        var thrown: KafkaError?
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while thrown == nil && ContinuousClock.now < deadline {
            do {
                let messages = try consumer.poll(maxMessages: 10, timeout: .milliseconds(100))
                #expect(messages.isEmpty)
            } catch let error as KafkaError {
                thrown = error
            }
        }
        let error = try #require(thrown)
        #expect(error.code == .unknownTopic)
        #expect(error.message.contains(missing))
        #expect(error.message.contains("Unknown topic or partition"))
        #expect(error.rdKafkaCode == KafkaErrorCode.unknownTopicOrPartition.rawValue)
    }

    @Test func theMockAutoCreatesTopicsEvenWhenTheClientForbidsIt() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let missing = uniqueName("autocreated")
        let consumer = try KafkaConsumer(
            config: consumerConfig(cluster, group: uniqueName("g"), extra: ["allow.auto.create.topics": "false"]),
            logger: capture.logger)
        try consumer.assign([TopicPartition(missing, 0): KafkaOffset.beginning])
        var none: [KafkaMessage] = []
        let warned = try pollUntil(consumer, limit: .seconds(10), into: &none) { _ in
            capture.lines.contains { $0.level == .warning && $0.message.contains("allow.auto.create.topics=false not supported") }
        }
        #expect(warned)
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers), logger: capture.logger)
        #expect(try admin.partitionCount(topic: missing, timeout: .seconds(5)) == 4)  // the mock's default
    }

    @Test func adminPartitionCountAndUnknownTopic() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("admin")
        try cluster.createTopic(topic, partitions: 6)
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers), logger: capture.logger)
        #expect(try admin.partitionCount(topic: topic, timeout: .seconds(10)) == 6)
        let missing = uniqueName("nope")
        cluster.setTopicError(missing, error: .unknownTopicOrPartition)  // else the mock would auto-create it
        let error = try #require(throws: KafkaError.self) {
            _ = try admin.partitionCount(topic: missing, timeout: .seconds(10))
        }
        #expect(error.code == .unknownTopic)
        #expect(error.message.contains("nope"))
    }

    /// librdkafka 2.0.2's mock cluster has no CreateTopics API: the request is never answered, so the admin call
    /// times out there (real brokers support it); `EmbeddedKafka.createTopic` is the way to create topics on the mock.
    @Test func createTopicsFailsClearlyOnTheMockCluster() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers), logger: capture.logger)
        let name = uniqueName("created")
        let error = try #require(throws: KafkaError.self) {
            try admin.createTopics([NewTopic(name: name, partitions: 3, replicationFactor: 1)], timeout: .seconds(2))
        }
        #expect(error.code == .timedOut)
        #expect(error.message.contains("CreateTopics"))
        try admin.createTopics([], timeout: .seconds(1))  // nothing to do, no request
    }

    @Test func aRejectedProduceSurfacesFromFlush() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("rejected")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(config: producerConfig(cluster), logger: capture.logger)
        try producer.send(topic: topic, partition: 0, key: nil, value: bytes("ok"))
        try producer.flush(timeout: .seconds(10))  // connected, metadata known, first batch delivered

        cluster.pushRequestErrors(apiKey: KafkaAPIKey.produce, errors: [.topicAuthorizationFailed])
        try producer.send(topic: topic, partition: 0, key: nil, value: bytes("refused"))
        let error = try #require(throws: KafkaError.self) { try producer.flush(timeout: .seconds(10)) }
        #expect(error.code == .delivery)
        #expect(error.message.contains("\(topic)-0"))
        #expect(error.rdKafkaCode == KafkaErrorCode.topicAuthorizationFailed.rawValue)
        #expect(producer.deliveryFailures == 1)

        // The failure is reported once; the producer keeps working (for another topic: librdkafka now remembers
        // the authorization error for this one until its metadata is refreshed).
        let other = uniqueName("other")
        try cluster.createTopic(other, partitions: 1)
        try producer.send(topic: other, partition: 0, key: nil, value: bytes("ok again"))
        try producer.flush(timeout: .seconds(10))
        #expect(producer.deliveryFailures == 1)
    }

    @Test func producingToAPartitionThatDoesNotExistFails() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("no-partition")
        try cluster.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(config: producerConfig(cluster), logger: capture.logger)
        try producer.send(topic: topic, partition: 1, key: nil, value: bytes("ok"))
        try producer.flush(timeout: .seconds(10))
        // Metadata is known now, so librdkafka rejects the partition at once.
        let error = try #require(throws: KafkaError.self) {
            try producer.send(topic: topic, partition: 7, key: nil, value: bytes("lost"))
        }
        #expect(error.code == .unknownPartition)
        #expect(error.message.contains("\(topic)-7"))
    }

    @Test func messageTimeoutWhileTheBrokerIsDownSurfacesFromFlush() throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("timeout")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(
            config: producerConfig(cluster, extra: ["message.timeout.ms": "300"]), logger: capture.logger)
        try producer.send(topic: topic, partition: 0, key: nil, value: bytes("ok"))
        try producer.flush(timeout: .seconds(10))
        try cluster.setBrokerDown(1)
        try producer.send(topic: topic, partition: 0, key: bytes("k"), value: bytes("late"))
        let error = try #require(throws: KafkaError.self) { try producer.flush(timeout: .seconds(10)) }
        #expect(error.code == .delivery)
        #expect(error.message.contains(topic))
        #expect(error.rdKafkaCode == -192)  // RD_KAFKA_RESP_ERR__MSG_TIMED_OUT
        try cluster.setBrokerUp(1)
    }
}

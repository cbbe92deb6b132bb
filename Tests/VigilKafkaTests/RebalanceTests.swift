import Logging
import Testing
import VigilKafka

@Suite struct RebalanceTests {
    /// Eager (`range`) and cooperative (`cooperative-sticky`) protocols take different librdkafka paths.
    @Test(arguments: ["range", "cooperative-sticky"])
    func listenerSeesAssignRevokeAndItsStartOffsetsAreHonoured(strategy: String) throws {
        let capture = LogCapture()
        let cluster = try EmbeddedKafka(logger: capture.logger)
        let topic = uniqueName("rebalance")
        try cluster.createTopic(topic, partitions: 2)
        try produceNumbered(cluster, topic: topic, partition: 0, count: 10)
        try produceNumbered(cluster, topic: topic, partition: 1, count: 10, from: 100)
        let group = uniqueName("g")
        let config = consumerConfig(cluster, group: group, extra: ["partition.assignment.strategy": strategy])
        let p0 = TopicPartition(topic, 0)
        let p1 = TopicPartition(topic, 1)

        // First member: gets both partitions; asks for p0 to start at offset 5, leaves p1 to the committed offset.
        let first = try KafkaConsumer(config: config, logger: capture.logger)
        let firstListener = RecordingListener()
        firstListener.startOffsets = [p0: 5]
        try first.subscribe(topics: [topic], listener: firstListener)
        let messages = try consume(first, count: 15, maxMessages: 100)
        #expect(firstListener.assigned.flatMap { $0 }.sorted { $0.partition < $1.partition } == [p0, p1])
        #expect(messages.filter { $0.partition == 0 }.map(\.offset) == Array(5..<10))
        #expect(messages.filter { $0.partition == 1 }.map(\.offset) == Array(0..<10))
        #expect(Set(try first.assignment()) == [p0, p1])
        #expect(firstListener.revoked.isEmpty)

        // Second member joins while messages keep flowing: the first must give a partition up (the revoke fires inside
        // its batch poll), and no poll may return a message of a partition its listener does not hold.
        let producer = try KafkaProducer(config: producerConfig(cluster), logger: capture.logger)
        let second = try KafkaConsumer(config: config, logger: capture.logger)
        let secondListener = RecordingListener()
        try second.subscribe(topics: [topic], listener: secondListener)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var sent = 0
        var checked = 0
        while ContinuousClock.now < deadline
            && !(firstListener.held.count == 1 && secondListener.held.count == 1 && !firstListener.revoked.isEmpty)
        {
            for _ in 0..<20 {
                try producer.send(topic: topic, partition: Int32(sent % 2), key: nil, value: bytes("live-\(sent)"))
                sent += 1
            }
            producer.poll()
            for message in try first.poll(maxMessages: 100, timeout: .milliseconds(50)) {
                #expect(firstListener.held.contains(TopicPartition(message.topic, message.partition)))
                checked += 1
            }
            for message in try second.poll(maxMessages: 100, timeout: .milliseconds(50)) {
                #expect(secondListener.held.contains(TopicPartition(message.topic, message.partition)))
                checked += 1
            }
        }
        #expect(checked > 0, "messages flowed during the rebalance, so the ownership checks above ran")
        try producer.flush(timeout: .seconds(10))
        #expect(!firstListener.revoked.isEmpty)
        #expect(firstListener.held.count == 1)
        #expect(secondListener.held.count == 1)
        #expect(firstListener.held.union(secondListener.held) == [p0, p1])
        if strategy == "cooperative-sticky" {
            // Incremental: only the moved partition is revoked.
            #expect(firstListener.revoked.allSatisfy { $0.count == 1 })
        } else {
            // Eager: everything is revoked, then reassigned.
            #expect(firstListener.revoked.first.map(Set.init) == [p0, p1])
        }
        #expect(Set(try second.assignment()) == secondListener.held)

        // close() leaves the group and reports the revoke before returning.
        let heldBySecond = secondListener.held
        let revokesBefore = secondListener.revoked.count
        second.close()
        #expect(secondListener.revoked.count == revokesBefore + 1)
        #expect(Set(secondListener.revoked.last ?? []) == heldBySecond)
        #expect(secondListener.held.isEmpty)
        first.close()
        #expect(firstListener.held.isEmpty)
    }
}

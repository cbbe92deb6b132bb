internal import CRdKafka

/// Owns one `rd_kafka_topic_partition_list_t`.
///
/// - Important: Destroyed in `deinit`; C calls borrow it through ``withPointer(_:)`` so it cannot be freed while in
///   use. Not thread-safe.
final class RDKafkaTopicPartitionList {
    private let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// An empty list with room for `capacity` elements.
    init(capacity: Int = 1) {
        list = rd_kafka_topic_partition_list_new(Int32(clamping: max(capacity, 1)))
    }

    /// Takes ownership of a list librdkafka returned.
    init(adopting list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.list = list
    }

    /// A copy of a list librdkafka lent us.
    convenience init(copying list: UnsafePointer<rd_kafka_topic_partition_list_t>) {
        self.init(adopting: rd_kafka_topic_partition_list_copy(list))
    }

    /// A list of partitions with offsets.
    convenience init(_ offsets: [TopicPartition: Int64]) {
        self.init(capacity: offsets.count)
        for (tp, offset) in offsets.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
            add(tp, offset: offset)
        }
    }

    /// A list of partitions, offsets left invalid.
    convenience init(_ partitions: [TopicPartition]) {
        self.init(capacity: partitions.count)
        for tp in partitions { add(tp, offset: KafkaOffset.invalid) }
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(list)
    }

    /// Lends the C list to `body`; the list stays alive until `body` returns.
    func withPointer<R>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(list) }
    }

    /// Appends an element.
    func add(_ tp: TopicPartition, offset: Int64) {
        withPointer { list in
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)
            element?.pointee.offset = offset
        }
    }

    /// The number of elements.
    var count: Int { withPointer { Int($0.pointee.cnt) } }

    /// Calls `body` with each element.
    func forEach(_ body: (inout rd_kafka_topic_partition_t) throws -> Void) rethrows {
        try withPointer { list in
            guard let elements = list.pointee.elems else { return }
            for index in 0..<Int(list.pointee.cnt) { try body(&elements[index]) }
        }
    }

    /// The partitions in list order.
    var partitions: [TopicPartition] { withPointer { Self.partitions(of: $0) } }

    /// The partitions of a list librdkafka lent us, in list order.
    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        guard let elements = list.pointee.elems else { return [] }
        var result: [TopicPartition] = []
        result.reserveCapacity(Int(list.pointee.cnt))
        for index in 0..<Int(list.pointee.cnt) {
            result.append(TopicPartition(String(cString: elements[index].topic), elements[index].partition))
        }
        return result
    }
}

extension rd_kafka_topic_partition_t {
    /// This element as a ``TopicPartition``.
    var topicPartition: TopicPartition { TopicPartition(String(cString: topic), partition) }
}

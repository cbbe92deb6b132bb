internal import CRdKafka
import Logging

/// The consumer's librdkafka opaque: the rebalance listener and errors raised inside callbacks.
///
/// - Note: The mutable state is touched only on the consumer's owner thread: the rebalance and offset-commit
///   callbacks run inside `rd_kafka_consumer_poll` / `rd_kafka_consume_batch_queue` / `rd_kafka_consumer_close`,
///   and logs are served through the consumer queue (`log.queue=true`).
final class ConsumerContext: ClientContext, @unchecked Sendable {
    /// Receives assignment changes; set by `subscribe`.
    var listener: (any RebalanceListener)?
    /// An error raised inside a callback, thrown by the next `poll`.
    var pendingError: KafkaError?
    /// Whether the group uses the COOPERATIVE (incremental) protocol, learnt at the first assignment.
    var cooperative = false
    /// Bumped whenever the assignment changes (invalidates cached topic names).
    var assignmentEpoch = 0
    /// Partitions revoked since `poll` last looked; messages of these collected earlier in the same `poll` call
    /// must not be returned (their owner has already been told to close them).
    var revokedDuringPoll: Set<TopicPartition> = []

    /// Handles one rebalance event; see `vigilRebalanceCallback`.
    func rebalance(
        _ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        assignmentEpoch &+= 1
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            guard let partitions else { return }
            // Asked only here: rd_kafka_rebalance_protocol() can block forever when called from a callback run by
            // rd_kafka_consumer_close() (librdkafka issue #4041), so revokes use the remembered answer.
            let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
            self.cooperative = cooperative
            let assigned = RDKafkaTopicPartitionList.partitions(of: partitions)
            // Revoked and assigned again within one poll: what the poll returns for them from now on belongs to the
            // new assignment (which starts at the listener's offsets) and must not be dropped as stale.
            revokedDuringPoll.subtract(assigned)
            logger.debug("partitions assigned", metadata: ["partitions": "\(assigned)", "cooperative": "\(cooperative)"])
            let starts = listener?.partitionsAssigned(assigned) ?? [:]
            let list = RDKafkaTopicPartitionList(copying: partitions)
            list.forEach { element in
                element.offset = starts[element.topicPartition] ?? KafkaOffset.committed
            }
            if cooperative {
                if let error = list.withPointer({ rd_kafka_incremental_assign(rk, $0) }) {
                    record(KafkaError.consuming(error, "incremental assign of \(assigned)", code: .state))
                }
            } else {
                let result = list.withPointer { rd_kafka_assign(rk, $0) }
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    record(KafkaError.rdKafka(result, "assign of \(assigned)", code: .state))
                }
            }

        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let revoked = partitions.map { RDKafkaTopicPartitionList.partitions(of: $0) } ?? []
            if rd_kafka_assignment_lost(rk) != 0 {
                logger.warning("partitions lost (group membership lost)", metadata: ["partitions": "\(revoked)"])
            } else {
                logger.debug("partitions revoked", metadata: ["partitions": "\(revoked)"])
            }
            // The listener runs before librdkafka forgets the partitions, so it can still commit them.
            revokedDuringPoll.formUnion(revoked)
            if !revoked.isEmpty { listener?.partitionsRevoked(revoked) }
            if cooperative {
                if let partitions, let error = rd_kafka_incremental_unassign(rk, partitions) {
                    record(KafkaError.consuming(error, "incremental unassign of \(revoked)", code: .state))
                }
            } else {
                let result = rd_kafka_assign(rk, nil)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    record(KafkaError.rdKafka(result, "unassign of \(revoked)", code: .state))
                }
            }

        default:
            logger.error("rebalance failed: \(String(cString: rd_kafka_err2str(err)))")
            _ = rd_kafka_assign(rk, nil)
        }
    }

    private func record(_ error: KafkaError) {
        logger.error("\(error.message)")
        if pendingError == nil { pendingError = error }
    }
}

/// librdkafka rebalance callback (file-level so it is a `@convention(c)` function); context via the opaque pointer.
func vigilRebalanceCallback(
    _ rk: OpaquePointer?, _ err: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let rk, let opaque else { return }
    guard let context = ClientContext.from(opaque) as? ConsumerContext else { return }
    context.rebalance(rk, err, partitions)
}

/// librdkafka offset-commit callback: logs failed commits (async commits report only here).
func vigilOffsetCommitCallback(
    _ rk: OpaquePointer?, _ err: rd_kafka_resp_err_t, _ offsets: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let opaque, err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
    let context = ClientContext.from(opaque)
    let partitions = offsets.map { RDKafkaTopicPartitionList.partitions(of: $0) } ?? []
    context.logger.warning(
        "offset commit failed: \(String(cString: rd_kafka_err2str(err)))", metadata: ["partitions": "\(partitions)"])
}

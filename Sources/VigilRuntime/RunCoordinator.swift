import Synchronization
import VigilKafka
import VigilState

/// What the stream threads of one run share: the stop flag, the counters and each thread's progress. Thread-safe.
final class RunCoordinator: Sendable {
    let counters: RuntimeCounters
    let threads: Int
    /// Partitions of all input topics (the source and the repartition topics); the run is caught up only when this
    /// process owns all of them.
    let inputPartitions: Int
    let stopWhenCaughtUp: Bool

    private let stopFlag = Atomic<Bool>(false)
    /// Bumped by every commit that wrote to a repartition topic: a thread's "caught up" observed before that may miss
    /// records another thread has just produced for it.
    private let epochCounter = Atomic<Int>(0)
    private struct ThreadStatus { var assigned: [TopicPartition] = []; var caughtUpAt: Int? = nil }
    private let status: Mutex<[ThreadStatus]>
    /// Per thread and stage: the event time up to which it has processed that stage's partitions (or will next
    /// process); Int64.max when it has nothing to wait for. Threads pace each stage by each other's progress in it.
    private let frontiers: Mutex<[[Int64]]>
    /// The open task stores, for interactive queries from other threads (a `Store` is thread-safe).
    private let stores = Mutex<[TopicPartition: Store]>([:])

    func registerStore(_ store: Store?, for partition: TopicPartition) {
        stores.withLock { $0[partition] = store }
    }

    /// The open stores of the partitions of `topic`.
    func stores(of topic: String) -> [TopicPartition: Store] {
        stores.withLock { $0.filter { $0.key.topic == topic } }
    }

    init(counters: RuntimeCounters, threads: Int, inputPartitions: Int, stages: Int, stopWhenCaughtUp: Bool) {
        self.counters = counters
        self.threads = threads
        self.inputPartitions = inputPartitions
        self.stopWhenCaughtUp = stopWhenCaughtUp
        status = Mutex(Array(repeating: ThreadStatus(), count: threads))
        frontiers = Mutex(Array(repeating: Array(repeating: .max, count: stages), count: threads))
    }

    func publishFrontiers(thread: Int, _ times: [Int64]) {
        frontiers.withLock { $0[thread] = times }
    }

    /// Per stage, the lowest frontier of the other threads.
    func frontiers(excluding thread: Int) -> [Int64] {
        frontiers.withLock { all in
            var m = Array(repeating: Int64.max, count: all.first?.count ?? 0)
            for (i, f) in all.enumerated() where i != thread {
                for s in f.indices { m[s] = min(m[s], f[s]) }
            }
            return m
        }
    }

    var shouldStop: Bool { stopFlag.load(ordering: .acquiring) }

    func requestStop() { stopFlag.store(true, ordering: .releasing) }

    var epoch: Int { epochCounter.load(ordering: .acquiring) }

    /// A thread committed records it forwarded to a repartition topic.
    func forwarded() { epochCounter.add(1, ordering: .releasing) }

    func setAssigned(thread: Int, partitions: [TopicPartition]) {
        status.withLock {
            $0[thread].assigned = partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            $0[thread].caughtUpAt = nil
        }
    }

    /// The input partitions the threads own now.
    var assignment: [TopicPartition] {
        status.withLock { $0.flatMap(\.assigned) }
    }

    func markBusy(thread: Int) {
        status.withLock { $0[thread].caughtUpAt = nil }
    }

    /// A thread found nothing to poll; `caughtUp` says whether its partitions were processed to their ends when it
    /// checked, which it began at `epoch`.
    func reportIdle(thread: Int, caughtUp: Bool, epoch: Int) {
        let done = status.withLock { all -> Bool in
            all[thread].caughtUpAt = caughtUp ? epoch : nil
            let assigned = all.reduce(0) { $0 + $1.assigned.count }
            let current = self.epoch
            return assigned >= inputPartitions
                && all.allSatisfy { $0.assigned.isEmpty || $0.caughtUpAt == current }
        }
        if done && stopWhenCaughtUp { requestStop() }
    }
}

import Synchronization

/// What the stream threads of one run share: the stop flag, the counters and each thread's progress. Thread-safe.
final class RunCoordinator: Sendable {
    let counters: RuntimeCounters
    let threads: Int
    /// Partitions of the input topic; the run is caught up only when this process owns all of them.
    let inputPartitions: Int
    let stopWhenCaughtUp: Bool

    private let stopFlag = Atomic<Bool>(false)
    private struct ThreadStatus { var assigned: [Int32] = []; var caughtUp = false }
    private let status: Mutex<[ThreadStatus]>

    init(counters: RuntimeCounters, threads: Int, inputPartitions: Int, stopWhenCaughtUp: Bool) {
        self.counters = counters
        self.threads = threads
        self.inputPartitions = inputPartitions
        self.stopWhenCaughtUp = stopWhenCaughtUp
        status = Mutex(Array(repeating: ThreadStatus(), count: threads))
    }

    var shouldStop: Bool { stopFlag.load(ordering: .acquiring) }

    func requestStop() { stopFlag.store(true, ordering: .releasing) }

    func setAssigned(thread: Int, partitions: [Int32]) {
        status.withLock {
            $0[thread].assigned = partitions.sorted()
            $0[thread].caughtUp = false
        }
    }

    /// The input partitions the threads own now.
    var assignment: [Int32] {
        status.withLock { $0.flatMap(\.assigned).sorted() }
    }

    func markBusy(thread: Int) {
        status.withLock { $0[thread].caughtUp = false }
    }

    /// A thread found nothing to poll; `caughtUp` says whether its partitions are processed to their ends.
    func reportIdle(thread: Int, caughtUp: Bool) {
        let done = status.withLock { all -> Bool in
            all[thread].caughtUp = caughtUp
            let assigned = all.reduce(0) { $0 + $1.assigned.count }
            return assigned >= inputPartitions && all.allSatisfy { $0.caughtUp || $0.assigned.isEmpty }
        }
        if done && stopWhenCaughtUp { requestStop() }
    }
}

import Synchronization

/// Counters shared by the stream threads and whoever reports on them. Thread-safe (atomics).
public final class RuntimeCounters: Sendable {
    let _eventsIn = Atomic<Int>(0)
    let _featuresOut = Atomic<Int>(0)
    let _deadLettered = Atomic<Int>(0)
    let _skipped = Atomic<Int>(0)
    let _commits = Atomic<Int>(0)

    public init() {}

    /// Input records processed and committed.
    public var eventsIn: Int { _eventsIn.load(ordering: .relaxed) }
    /// Feature events produced and committed.
    public var featuresOut: Int { _featuresOut.load(ordering: .relaxed) }
    /// Records sent to the dead-letter topic.
    public var deadLettered: Int { _deadLettered.load(ordering: .relaxed) }
    /// Valid events with no key for the stage's entity (e.g. no device id in a device stage).
    public var skipped: Int { _skipped.load(ordering: .relaxed) }
    /// State commits (one per task per poll batch).
    public var commits: Int { _commits.load(ordering: .relaxed) }

    func add(_ batch: BatchCounts) {
        _eventsIn.add(batch.eventsIn, ordering: .relaxed)
        _featuresOut.add(batch.featuresOut, ordering: .relaxed)
        _deadLettered.add(batch.deadLettered, ordering: .relaxed)
        _skipped.add(batch.skipped, ordering: .relaxed)
    }

    func addCommits(_ n: Int) { _commits.add(n, ordering: .relaxed) }
}

/// Counts of one poll batch, published to `RuntimeCounters` only after the batch is committed.
package struct BatchCounts {
    package var eventsIn = 0
    package var featuresOut = 0
    package var deadLettered = 0
    package var skipped = 0

    package static func += (lhs: inout BatchCounts, rhs: BatchCounts) {
        lhs.eventsIn += rhs.eventsIn
        lhs.featuresOut += rhs.featuresOut
        lhs.deadLettered += rhs.deadLettered
        lhs.skipped += rhs.skipped
    }
}

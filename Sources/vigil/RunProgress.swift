import Dispatch
import VigilConfig
import VigilRuntime

/// Progress of `vigil run` from its counters, sampled by a timer: events processed, dead letters, and with
/// `--until-caught-up` the total (processed + the assigned partitions' lag, once every partition's lag is known).
/// Unchecked: a dispatch timer is thread-safe; it is only scheduled and cancelled, and `Progress` is Sendable.
final class RunProgress: @unchecked Sendable {
    private let counters: RuntimeCounters
    private let untilCaughtUp: Bool
    private let progress: Progress
    private let timer: any DispatchSourceTimer

    init(counters: RuntimeCounters, untilCaughtUp: Bool) {
        self.counters = counters
        self.untilCaughtUp = untilCaughtUp
        progress = makeProgress(task: "run")
        timer = DispatchSource.makeTimerSource(queue: .global())
    }

    func start() {
        let interval = progress.interval
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [counters, untilCaughtUp, progress] in
            let events = counters.eventsIn
            var total: Int?
            if untilCaughtUp {
                let partitions = counters.partitions.values
                if !partitions.isEmpty, partitions.allSatisfy({ $0.lag != nil }) {
                    total = events + Int(partitions.reduce(Int64(0)) { $0 + ($1.lag ?? 0) })
                }
            }
            progress.update(events: events, total: total, detail: "\(counters.deadLettered) dead-lettered")
        }
        timer.resume()
    }

    func stop() {
        timer.cancel()
        progress.finish()
    }
}

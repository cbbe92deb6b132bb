import Dispatch
import Synchronization
import VigilHTTP

/// A source whose answers the test sets, and which records what the server asked.
final class FakeSource: ObservabilitySource {
    struct State {
        var samples: [MetricSample] = []
        var unhealthy: String?
        var notReady: String? = "restoring 3 of 8 partitions"
        /// Stage → key → answer; a stage not here is unknown.
        var features: [String: [String: FeatureAnswer]] = [:]
        var models: [UInt8] = Array(#"{"champion":{"model":"fraud-demo","version":"1"},"challenger":null}"#.utf8)
        /// The (stage, key) pairs `features` was asked for, decoded.
        var asked: [(String, String)] = []
        /// `features` for this stage blocks until `release` is signalled (at most 10 s).
        var blockingStage: String?
    }

    let state = Mutex(State())
    let metricsCalls = Atomic<Int>(0)
    let release = DispatchSemaphore(value: 0)
    let blocked = Atomic<Bool>(false)

    init(_ configure: (inout State) -> Void = { _ in }) {
        state.withLock { configure(&$0) }
    }

    func update(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }

    func metrics() -> [MetricSample] {
        let call = metricsCalls.add(1, ordering: .relaxed).newValue
        var samples = state.withLock { $0.samples }
        samples.append(MetricSample(name: "fake_scrapes_total", help: "Calls of metrics().", value: .counter(Double(call))))
        return samples
    }

    func unhealthyReason() -> String? { state.withLock { $0.unhealthy } }

    func notReadyReason() -> String? { state.withLock { $0.notReady } }

    func features(stage: String, key: String) -> FeatureAnswer {
        let (answer, blocking) = state.withLock { s -> (FeatureAnswer, Bool) in
            s.asked.append((stage, key))
            guard let keys = s.features[stage] else { return (.unknownStage, false) }
            return (keys[key] ?? .notFound, s.blockingStage == stage)
        }
        if blocking {
            blocked.store(true, ordering: .sequentiallyConsistent)
            _ = release.wait(timeout: .now() + .seconds(10))
        }
        return answer
    }

    func models() -> [UInt8] { state.withLock { $0.models } }
}

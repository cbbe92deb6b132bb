import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT / SIGTERM handling: the first signal asks for a graceful stop (finish the batch, commit, leave the group);
/// a second one exits at once. Keep the returned value alive while it should be in force.
/// Unchecked: dispatch sources are thread-safe; they are only set up in init.
final class ShutdownSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let count = Atomic<Int>(0)

    init(onFirst: @escaping @Sendable () -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [self] in
                if self.count.add(1, ordering: .relaxed).newValue == 1 {
                    printError("stopping: finishing the current batch (press Ctrl-C again to exit at once)")
                    onFirst()
                } else {
                    _exit(130)  // no atexit handlers under live RocksDB/librdkafka threads; committed state is safe
                }
            }
            source.resume()
        }
    }

    /// Blocks the calling thread until a signal arrives.
    static func waitForSignal() {
        let semaphore = DispatchSemaphore(value: 0)
        let signals = ShutdownSignals { semaphore.signal() }
        semaphore.wait()
        withExtendedLifetime(signals) {}
    }
}

public import Logging
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
import Synchronization

/// The observability endpoint: `/metrics`, `/healthz`, `/readyz`, `/model` and `/features/{stage}/{key}` over
/// HTTP/1.1 (SwiftNIO), answered from an ``ObservabilitySource``.
///
/// The server listens from `init` until ``shutdown()``. It owns one event-loop thread (connections, parsing) and two
/// worker threads that call the source, so a slow source call never stalls accepting or a probe on another worker.
///
/// - Important: call ``shutdown()`` before dropping the server: it closes the listening socket and every
///   connection and joins the threads. It must not be called from the source's methods (they run on the server's
///   threads). `init` and `shutdown()` block the calling thread briefly; call them from a plain thread or a
///   synchronous context, not from code on Swift's cooperative pool that must not block.
///
/// Thread-safety: all members may be used from any thread.
public final class ObservabilityServer: Sendable {
    /// The port the server listens on (the one chosen by the system when `init` was given port 0).
    public let port: Int
    /// The address the server listens on, as given to `init`.
    public let host: String

    private let group: MultiThreadedEventLoopGroup
    private let workers: NIOThreadPool
    private let channel: any Channel
    private let logger: Logger
    private let stopped = Mutex(false)

    /// Starts listening on `host:port` (port 0: any free port; read ``port``).
    ///
    /// - Parameter idleTimeout: a connection with no request in flight and no traffic for this long is closed.
    /// - Throws: ``ObservabilityError`` with code `.bindFailed` when the address cannot be listened on,
    ///   `.invalidAddress` when the port is out of range.
    public init(
        host: String, port: Int, source: any ObservabilitySource, logger: Logger,
        idleTimeout: Duration = .seconds(60)
    ) throws {
        guard (0...65_535).contains(port) else {
            throw ObservabilityError(code: .invalidAddress, message: "port \(port) is not in 0...65535")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let workers = NIOThreadPool(numberOfThreads: 2)
        workers.start()
        let router = ObservabilityRouter(source: source)
        let idle = TimeAmount.nanoseconds(max(1, Int64(idleTimeout / .nanoseconds(1))))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 128)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idle))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(ObservabilityHandler(router: router, workers: workers, logger: logger))
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? workers.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw ObservabilityError(code: .bindFailed, message: "cannot listen on \(host):\(port): \(error)")
        }
        self.host = host
        self.port = channel.localAddress?.port ?? port
        self.group = group
        self.workers = workers
        self.channel = channel
        self.logger = logger
        logger.info("observability endpoint listening", metadata: ["address": "\(host):\(self.port)"])
    }

    /// Stops listening, closes every connection and joins the server's threads. Later calls do nothing.
    ///
    /// Requests being answered get their response if it is ready, else the connection closes.
    public func shutdown() throws {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        var failures: [String] = []
        do { try channel.close().wait() } catch ChannelError.alreadyClosed {} catch { failures.append("\(error)") }
        // Workers first: their results complete on the event loop, which must still run.
        do { try workers.syncShutdownGracefully() } catch { failures.append("\(error)") }
        do { try group.syncShutdownGracefully() } catch { failures.append("\(error)") }
        guard failures.isEmpty else {
            throw ObservabilityError(code: .shutdownFailed, message: failures.joined(separator: "; "))
        }
        logger.debug("observability endpoint stopped", metadata: ["address": "\(host):\(port)"])
    }
}

internal import Logging
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix

/// One connection's HTTP/1.1 handler: hands each complete request to a worker thread, writes the response back.
///
/// Thread-safety: NIO calls it on the connection's event loop only; the router runs on the worker pool and its
/// result returns to the event loop before anything touches the handler again. Requests on one connection are
/// answered one at a time, in order (NIO's pipelining handler holds the next request until this one's `.end` is
/// written). A connection with no request in flight is closed after the idle timeout.
final class ObservabilityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: ObservabilityRouter
    private let workers: NIOThreadPool
    private let logger: Logger
    /// The request being read (its head arrived, its end not yet).
    private var head: HTTPRequestHead?
    /// A request was read and its response is not written yet.
    private var inFlight = false
    /// The channel is still open (writes after it closed are pointless).
    private var active = true

    init(router: ObservabilityRouter, workers: NIOThreadPool, logger: Logger) {
        self.router = router
        self.workers = workers
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break  // No route takes a body; it is read and dropped.
        case .end:
            guard let head else { return }
            self.head = nil
            inFlight = true
            let router = self.router
            let method = head.method == .GET ? "GET" : "\(head.method)"
            let uri = head.uri
            workers.runIfActive(eventLoop: context.eventLoop) {
                router.respond(method: method, uri: uri)
            }.assumeIsolated().whenComplete { result in
                let response: EndpointResponse
                switch result {
                case .success(let value): response = value
                case .failure: response = .unavailable
                }
                self.write(response, to: head, context: context)
            }
        }
    }

    private func write(_ response: EndpointResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        inFlight = false
        guard active else { return }
        let keepAlive = request.isKeepAlive
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        for header in response.headers { headers.add(name: header.name, value: header.value) }
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(
            version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if !inFlight && head == nil { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("closing an observability connection", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

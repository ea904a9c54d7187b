import Logging
import NIOCore
import NIOHTTP1

/// Closes an HTTP/1 connection whose peer is too slow to send a request (``ServerTimeouts``).
///
/// It sits right after NIO's request decoder, so it sees each request's head, body parts and
/// end as they are decoded, and each response's parts on their way out. Hummingbird's own
/// idle timeout cannot do this: it resets on every part read, so a body trickled a byte at a
/// time is never cut off, and it is not in the pipeline at all until a request head has
/// arrived, so half a head is held for ever.
///
/// A WebSocket upgrade request removes the handler (after passing its head on): the bytes
/// after it are WebSocket frames, which it must not see, and the media stream has limits of
/// its own.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum Wait: String {
        case header, body, idle
    }

    private let timeouts: ServerTimeouts
    private let metrics: WebhookMetrics?
    private let logger: Logger
    /// What the connection is waiting for from the peer; nil while the service answers.
    private var waiting: Wait? = .header
    /// Requests read whose response has not ended yet.
    private var answering = 0
    private var timer: Scheduled<Void>?

    init(timeouts: ServerTimeouts, metrics: WebhookMetrics?, logger: Logger) {
        self.timeouts = timeouts
        self.metrics = metrics
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }) {
                disarm()
                context.fireChannelRead(data)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            }
            answering += 1
            waiting = .body
            arm(context)
        case .body:
            break
        case .end:
            waiting = nil
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answering = max(0, answering - 1)
            if answering == 0, waiting == nil {
                waiting = .idle
                arm(context)
            }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        guard let waiting else { return }
        let limit =
            switch waiting {
            case .header: timeouts.header
            case .body: timeouts.body
            case .idle: timeouts.idle
            }
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        timer = loop.scheduleTask(in: TimeAmount(limit)) { [self] in
            self.timer = nil
            self.expire(context, waiting: waiting)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    private func expire(_ context: ChannelHandlerContext, waiting: Wait) {
        guard self.waiting == waiting else { return }
        metrics?.connectionTimeout(waiting: waiting.rawValue)
        if waiting != .idle {
            logger.info("closing a connection that was too slow to send its request", metadata: ["waiting_for": "\(waiting.rawValue)"])
        }
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}

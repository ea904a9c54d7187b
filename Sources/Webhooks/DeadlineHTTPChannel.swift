import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 channel with WebSocket upgrades, plus a ``RequestDeadlineHandler``
/// right after the request decoder: the same server, with slow peers cut off.
struct DeadlineHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let upgrading: HTTP1WebSocketUpgradeChannel
    let timeouts: ServerTimeouts
    let metrics: WebhookMetrics?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let (timeouts, metrics) = (timeouts, metrics)
        return upgrading.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(
                RequestDeadlineHandler(timeouts: timeouts, metrics: metrics, logger: logger),
                position: .after(decoder)
            )
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await upgrading.handle(value: value, logger: logger)
    }
}

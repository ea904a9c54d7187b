import Hummingbird
import HummingbirdWebSocket
import Logging
import Webhooks

/// Runs a router (a Sandbox's, or the webhook service) on a loopback port (`port`, or one the
/// system picks; on `host`, a private address of this machine's, for `dialer-lab hosts`) for
/// the length of `body`, which gets the port. The demo and the benchmarks
/// use it; the server's own start and stop are not news, so it logs only failures. With
/// `webSocketRouter`, WebSocket upgrades go to it (the media route).
public func withLoopbackServer<Routes: HTTPResponderBuilder, Result: Sendable>(
    _ router: Routes,
    webSocketRouter: Router<BasicWebSocketRequestContext>? = nil,
    port: Int = 0,
    host: String = "127.0.0.1",
    logger: Logger,
    _ body: @Sendable (Int) async throws -> Result
) async throws -> Result where Routes.Responder.Context == BasicRequestContext {
    var quiet = logger
    quiet.logLevel = .critical
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let app = Application(
        router: router,
        server: webSocketRouter.map { WebhookRouter.server(media: $0) } ?? .http1(),
        configuration: .init(address: .hostname(host, port: port)),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
        logger: quiet
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            do {
                try await app.runService(gracefulShutdownSignals: [])
            } catch {
                continuation.finish()  // a port that would not bind ends the wait below
                throw error
            }
        }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw LoopbackError("the loopback server did not start") }
        return try await body(port)
    }
}

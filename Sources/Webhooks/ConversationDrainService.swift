import Logging
import ServiceLifecycle

/// What `dialer serve` does with SIGTERM before it stops listening: a deploy must not cut a
/// call off mid-sentence (Twilio ends a `<Connect>` call when its stream's socket closes).
///
/// Placed last in the service group, it is the first to hear of the graceful shutdown, and
/// the listeners are stopped only once it returns:
/// 1. `/readyz` answers 503 (``LiveConversations/beginDraining()``), so a load balancer
///    sends new calls' webhooks to other instances; everything is still served here;
/// 2. it waits for the open media streams to end, up to `drainTimeout`;
/// 3. any still open are asked to end with the agent's closing line, and given
///    `goodbyeTimeout` to play it and hang up;
/// 4. if it waited for any stream, it keeps serving for `callbackGrace` more, for the status
///    callbacks Twilio sends as those calls end.
public struct ConversationDrainService: Service {
    public let conversations: LiveConversations
    public let drainTimeout: Duration
    public let goodbyeTimeout: Duration
    public let callbackGrace: Duration
    public let logger: Logger

    public init(
        conversations: LiveConversations,
        drainTimeout: Duration,
        goodbyeTimeout: Duration = .seconds(30),
        callbackGrace: Duration = .seconds(3),
        logger: Logger
    ) {
        self.conversations = conversations
        self.drainTimeout = drainTimeout
        self.goodbyeTimeout = goodbyeTimeout
        self.callbackGrace = callbackGrace
        self.logger = logger
    }

    public func run() async throws {
        // Cancellation (not a graceful shutdown) skips the drain: the group is going down hard.
        do { try await gracefulShutdown() } catch { return }
        conversations.beginDraining()
        let open = conversations.count
        guard open > 0 else {
            logger.info("draining: no media stream open")
            return
        }
        logger.notice("draining: not ready, waiting for live calls to end", metadata: ["streams": "\(open)", "drain_timeout": "\(drainTimeout)"])
        if await !conversations.waitUntilNoneOpen(within: drainTimeout) {
            let asked = conversations.sayGoodbye()
            logger.notice("drain timeout: ending the calls still open with the agent's goodbye", metadata: ["streams": "\(asked)"])
            if await !conversations.waitUntilNoneOpen(within: goodbyeTimeout) {
                logger.warning("media streams still open after their goodbye: closing them", metadata: ["streams": "\(conversations.count)"])
                return
            }
        }
        logger.notice("draining: every media stream has ended", metadata: ["callback_grace": "\(callbackGrace)"])
        try? await Task.sleep(for: callbackGrace)
    }
}

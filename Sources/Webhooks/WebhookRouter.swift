import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Store
import Voice

/// Every route `dialer serve` answers: on the public router, Twilio's voice, status and AMD
/// webhooks and the health checks; on the admin router (an internal listener), the metrics.
/// `dialer serve`, the tests (through HummingbirdTesting, without a socket) and `dialer-lab bench
/// webhooks` all build the service here, so what is tested and measured is what runs.
public enum WebhookRouter {
    /// The public router: Twilio's voice, status, AMD and whisper webhooks and the health
    /// checks, each answered within `configuration.answerTimeout` (``AnswerDeadline``).
    /// `conversations`, when given, is the media route's registry: while it drains, `/readyz`
    /// answers 503.
    public static func make(
        database: Database,
        configuration: TwilioWebhookConfiguration,
        control: (any CallControl)?,
        metrics: WebhookMetrics = WebhookMetrics(),
        statusWriters: Int = CallStore.defaultStatusWriters,
        conversations: LiveConversations? = nil
    ) -> AnswerDeadline<Router<BasicRequestContext>> {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        HealthRoutes(database: database, conversations: conversations).add(to: router)
        let calls = CallStore(database: database, statusWriters: statusWriters)
        StatusCallbackRoutes(configuration: configuration, calls: calls, metrics: metrics).add(to: router)
        VoiceRoutes(configuration: configuration, attempts: CallAttemptStore(database: database), metrics: metrics).add(to: router)
        MachineDetectionRoutes(configuration: configuration, calls: calls, control: control, metrics: metrics, conversations: conversations)
            .add(to: router)
        WhisperRoutes(configuration: configuration, calls: calls, metrics: metrics).add(to: router)
        return AnswerDeadline(router, limit: configuration.answerTimeout, bodyLimit: configuration.bodyLimit, metrics: metrics)
    }

    /// The admin router, for a listener only operators and Prometheus reach (`dialer serve
    /// --admin-hostname/--admin-port`, loopback by default): `GET /metrics`. Kept off the
    /// public port, which the internet reaches, so request counts, latencies and failure
    /// rates are not published to anyone who asks.
    public static func makeAdmin(metrics: WebhookMetrics) -> Router<BasicRequestContext> {
        let router = Router()
        MetricsRoutes(metrics: metrics).add(to: router)
        return router
    }
}

extension WebhookRouter {
    /// The public server for both routers: HTTP/1.1, with WebSocket upgrades going to the
    /// media router, and slow peers cut off by `timeouts`. A frame is at most
    /// ``MediaStreamRoutes/maxMessageSize``: a bigger one closes the stream with 1009 before
    /// the route sees it. A peer that does not answer our close frame is dropped after 5 s.
    public static func server(
        media: Router<BasicWebSocketRequestContext>,
        timeouts: ServerTimeouts = ServerTimeouts(),
        metrics: WebhookMetrics? = nil
    ) -> HTTPServerBuilder {
        let webSocketResponder = media.buildResponder()
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            ws: .init(maxFrameSize: MediaStreamRoutes.maxMessageSize, closeTimeout: .seconds(5))
        )
        return HTTPServerBuilder { responder in
            DeadlineHTTPChannel(
                upgrading: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                timeouts: timeouts,
                metrics: metrics
            )
        }
    }

    /// The media stream's WebSocket route, on the router the server upgrades connections with
    /// (``server(media:timeouts:metrics:)``). `conversations` is the registry the drain and
    /// `/readyz` share with it.
    public static func makeMedia(
        database: Database,
        configuration: TwilioWebhookConfiguration,
        voice: VoiceComponents,
        conversation: ConversationConfiguration = ConversationConfiguration(),
        metrics: WebhookMetrics,
        limits: MediaStreamLimits = MediaStreamLimits(),
        conversations: LiveConversations = LiveConversations(),
        control: (any CallControl)? = nil
    ) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        // Each call speaks its campaign's script, when the campaign has one.
        var voice = voice
        voice.agent = CampaignAgent(fallback: voice.agent, campaigns: CampaignStore(database: database), logger: database.logger)
        var routes = MediaStreamRoutes(
            configuration: configuration,
            streams: MediaStreamStore(database: database),
            voice: voice,
            conversation: conversation,
            metrics: metrics,
            limits: limits,
            conversations: conversations
        )
        routes.control = control
        routes.add(to: router)
        return router
    }
}

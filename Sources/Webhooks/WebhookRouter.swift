import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Store
import Voice

/// Every route `dialer serve` answers, on one router: Twilio's voice, status and AMD webhooks,
/// the health checks and the metrics. `dialer serve`, the tests (through HummingbirdTesting,
/// without a socket) and `dialer bench webhooks` all build the service here, so what is tested
/// and measured is what runs.
public enum WebhookRouter {
    public static func make(
        database: Database, configuration: TwilioWebhookConfiguration, control: (any CallControl)?,
        metrics: WebhookMetrics = WebhookMetrics(), statusWriters: Int = CallStore.defaultStatusWriters
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        HealthRoutes(database: database).add(to: router)
        MetricsRoutes(metrics: metrics).add(to: router)
        let calls = CallStore(database: database, statusWriters: statusWriters)
        StatusCallbackRoutes(configuration: configuration, calls: calls, metrics: metrics).add(to: router)
        VoiceRoutes(configuration: configuration, attempts: CallAttemptStore(database: database), metrics: metrics).add(to: router)
        MachineDetectionRoutes(configuration: configuration, calls: calls, control: control, metrics: metrics).add(to: router)
        return router
    }
}

extension WebhookRouter {
    /// The server for both routers: HTTP/1.1, with WebSocket upgrades going to the media
    /// router. A frame is at most ``MediaStreamRoutes/maxMessageSize``: a bigger one closes
    /// the stream with 1009 before the route sees it.
    public static func server(media: Router<BasicWebSocketRequestContext>) -> HTTPServerBuilder {
        .http1WebSocketUpgrade(webSocketRouter: media, configuration: .init(maxFrameSize: MediaStreamRoutes.maxMessageSize))
    }

    /// The media stream's WebSocket route, on the router the server upgrades connections with
    /// (``server(media:)``).
    public static func makeMedia(
        database: Database, configuration: TwilioWebhookConfiguration, voice: VoiceComponents,
        conversation: ConversationConfiguration = ConversationConfiguration(), metrics: WebhookMetrics
    ) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        // Each call speaks its campaign's script, when the campaign has one.
        var voice = voice
        voice.agent = CampaignAgent(fallback: voice.agent, campaigns: CampaignStore(database: database), logger: database.logger)
        MediaStreamRoutes(
            configuration: configuration, streams: MediaStreamStore(database: database), voice: voice,
            conversation: conversation, metrics: metrics
        ).add(to: router)
        return router
    }
}

import AsyncHTTPClient
import Hummingbird
import HummingbirdWebSocket
import Logging
import Store
import Twilio
import Voice
import Webhooks

/// The composition root of the webhook service: the routes `dialer serve` answers Twilio on,
/// built from a ``ServeConfiguration``. `dialer serve` and the demo build them here.
public struct WebhookServices {
    /// POST /twilio/voice, /status, /amd, GET /healthz, /readyz, each answered in time.
    public let router: AnswerDeadline<Router<BasicRequestContext>>
    /// WS /twilio/media.
    public let media: Router<BasicWebSocketRequestContext>
    /// GET /metrics, the health checks, the API and the console, for the admin listener (``AdminRouter``).
    public let admin: Router<BasicRequestContext>
    public let metrics: WebhookMetrics
    /// The calls in progress, which a drain waits for.
    public let conversations: LiveConversations

    /// Builds the voice the configuration chooses (a cloud adapter's key is checked here, at
    /// start) and the routes around it.
    public static func make(
        _ configuration: ServeConfiguration,
        database: Database,
        statusWriters: Int = CallStore.defaultStatusWriters,
        limits: MediaStreamLimits = MediaStreamLimits(),
        http: HTTPClient = .shared,
        logger: Logger
    ) async throws -> WebhookServices {
        var control: (any CallControl)?
        switch configuration.control {
        case .configured(let twilio): control = TwilioClient(configuration: twilio, logger: logger)
        case .notConfigured(let reason): logger.warning("answering machines will be recorded, not hung up on: \(reason)")
        }
        let voice = try await VoiceComponents.make(configuration.voice, http: http, logger: logger)
        return assemble(
            webhooks: configuration.webhooks,
            control: control,
            voice: voice,
            database: database,
            statusWriters: statusWriters,
            limits: limits,
            calls: configuration.calls
        )
    }

    /// The routes around a voice already built: `make`, once it has built the configured one,
    /// and the tests, which bring stand-in or embedded voices, so that what they serve is
    /// wired as `dialer serve` wires it.
    public static func assemble(
        webhooks: TwilioWebhookConfiguration,
        control: (any CallControl)?,
        voice: VoiceComponents,
        database: Database,
        statusWriters: Int = CallStore.defaultStatusWriters,
        limits: MediaStreamLimits = MediaStreamLimits(),
        calls: APICallSettings = APICallSettings()
    ) -> WebhookServices {
        let metrics = WebhookMetrics()
        let conversations = LiveConversations(calls: CallStore(database: database))
        let router = WebhookRouter.make(
            database: database,
            configuration: webhooks,
            control: control,
            metrics: metrics,
            statusWriters: statusWriters,
            conversations: conversations
        )
        let media = WebhookRouter.makeMedia(
            database: database,
            configuration: webhooks,
            voice: voice,
            metrics: metrics,
            limits: limits,
            conversations: conversations,
            control: control
        )
        return WebhookServices(
            router: router,
            media: media,
            admin: AdminRouter.make(database: database, metrics: metrics, conversations: conversations, calls: calls),
            metrics: metrics,
            conversations: conversations
        )
    }
}

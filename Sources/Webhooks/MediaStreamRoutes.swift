import Hummingbird
import HummingbirdWebSocket
import Logging
import Store
import Voice

/// `WS /twilio/media`: the answered call's two-way Media Stream (`<Connect><Stream>`).
///
/// The handshake must carry a valid `X-Twilio-Signature` for the configured stream URL
/// (Twilio signs it like a webhook, with no parameters); anything else never becomes a
/// WebSocket. The client sees 400 Bad Request, not 403: Hummingbird answers every refused
/// upgrade that way, before our router could. The refusal is counted as a signature failure.
/// Each connection then runs one ``MediaStreamConnection``, which must send its `start`
/// within ``MediaStreamLimits`` and is counted in ``LiveConversations`` until it ends.
public struct MediaStreamRoutes: Sendable {
    let configuration: TwilioWebhookConfiguration
    let streams: MediaStreamStore
    let voice: VoiceComponents
    let conversation: ConversationConfiguration
    let metrics: WebhookMetrics
    let limits: MediaStreamLimits
    let conversations: LiveConversations
    /// How a call is handed to a person; nil when this process has no REST credentials.
    var control: (any CallControl)?

    /// `conversations` is the service's registry of open streams, which its drain and
    /// `/readyz` share; `limits` bound a socket that has not sent its `start`.
    public init(
        configuration: TwilioWebhookConfiguration,
        streams: MediaStreamStore,
        voice: VoiceComponents,
        conversation: ConversationConfiguration = ConversationConfiguration(),
        metrics: WebhookMetrics,
        limits: MediaStreamLimits = MediaStreamLimits(),
        conversations: LiveConversations = LiveConversations()
    ) {
        self.configuration = configuration
        self.streams = streams
        self.voice = voice
        self.conversation = conversation
        self.metrics = metrics
        self.limits = limits
        self.conversations = conversations
    }

    /// A media message is 20 ms of audio in base64 (about 300 bytes) and a start, with its
    /// custom parameters, well under 2 KiB: nothing Twilio sends comes near this, a frame or a
    /// whole message.
    public static let maxMessageSize = 16 * 1024

    public func add(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("/twilio/media") { request, context in
            let signature = request.headers.first { $0.name.canonicalName == "x-twilio-signature" }?.value
            guard let signature, configuration.signer.isValid(signature: signature, url: configuration.mediaStreamURL, parameters: [])
            else {
                metrics.signatureFailure(route: "/twilio/media")
                metrics.request(route: "/twilio/media", status: 400, duration: .zero)
                context.logger.warning("media stream refused", metadata: ["reason": "\(signature == nil ? "no signature" : "bad signature")"])
                throw HTTPError(.forbidden)
            }
            metrics.request(route: "/twilio/media", status: 101, duration: .zero)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let connection = MediaStreamConnection(
                streams: streams,
                voice: voice,
                conversation: conversation,
                webhooks: configuration,
                metrics: metrics,
                logger: context.logger,
                limits: limits,
                conversations: conversations,
                control: control
            )
            // Rethrown so that the socket closes with the error's code (1009 for fragments
            // adding up past the limit), once the call's record is safe.
            if let error = await connection.run(inbound: inbound, outbound: outbound) { throw error }
        }
    }
}

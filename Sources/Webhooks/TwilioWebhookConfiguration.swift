import Twilio

/// What the webhooks need to judge Twilio's requests.
public struct TwilioWebhookConfiguration: Sendable {
    /// The base URL Twilio calls (`https://dialer.example.com`), from configuration: what
    /// signatures are checked against, never the Host header, which a TLS proxy rewrites and
    /// an attacker controls.
    public var publicURL: String
    /// Checks requests with the account's Auth Token, which signs them; built once, since
    /// every callback is checked with it.
    public let signer: TwilioSignature
    /// Derives the per-call token that binds a media stream to its call.
    public let streamCredential: MediaStreamCredential
    /// The account whose calls these are; when set, a media stream's `start.accountSid` must
    /// name it.
    public var accountSID: String?
    /// Twilio's callbacks are a few hundred bytes; anything far larger is refused unread.
    public var bodyLimit: Int = 64 * 1024
    /// A request not answered in this long gets 503 (``AnswerDeadline``): under Twilio's own
    /// 15 s, so that Twilio hears an answer rather than a timeout.
    public var answerTimeout: Duration = .seconds(10)

    /// `wss://host/…/twilio/media` for an `https` public URL (`ws://` for `http`): what the
    /// voice webhook's TwiML points the stream at, and what Twilio signs its handshake with.
    public var mediaStreamURL: String {
        if publicURL.hasPrefix("https://") { return "wss://" + publicURL.dropFirst("https://".count) + "/twilio/media" }
        if publicURL.hasPrefix("http://") { return "ws://" + publicURL.dropFirst("http://".count) + "/twilio/media" }
        return publicURL + "/twilio/media"
    }

    public init(publicURL: String, authToken: String, accountSID: String? = nil) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        signer = TwilioSignature(authToken: authToken)
        streamCredential = MediaStreamCredential(authToken: authToken)
        self.accountSID = accountSID
    }
}

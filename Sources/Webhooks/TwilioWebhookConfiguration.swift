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
    /// Twilio's callbacks are a few hundred bytes; anything far larger is refused unread.
    public var bodyLimit: Int = 64 * 1024

    public init(publicURL: String, authToken: String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        signer = TwilioSignature(authToken: authToken)
    }
}

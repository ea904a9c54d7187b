import Foundation

/// The webhooks' public base URL: where Twilio fetches TwiML and sends callbacks, and what its
/// signatures cover. `dialer worker` and `dialer serve` both need it, and read it here, so a
/// URL one of them accepts the other cannot refuse.
public enum PublicURL {
    /// `text` if it is an http(s) URL with a host; otherwise an error naming the setting.
    public static func parse(_ text: String?) throws -> String {
        guard let text, !text.isEmpty else {
            throw CommandFailure("DIALER_PUBLIC_URL / --public-url is not set: it is the http(s) URL Twilio calls")
        }
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw CommandFailure("DIALER_PUBLIC_URL / --public-url must be the http(s) URL Twilio calls, not \(text)")
        }
        return text
    }
}

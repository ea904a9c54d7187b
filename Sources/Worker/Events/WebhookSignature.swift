import Crypto
import Foundation

/// Standard Webhooks' signature (standardwebhooks.com): `v1,` and the base64 HMAC-SHA256 of
/// `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the secret's bytes (the base64 after
/// `whsec_`). Receivers check it with any Standard Webhooks library, or these few lines.
public enum WebhookSignature {
    public struct InvalidSecret: Error, CustomStringConvertible {
        public var description: String { "the endpoint's secret is not whsec_ followed by base64" }
    }

    /// The `webhook-signature` header's value for one attempt.
    public static func sign(secret: String, id: String, timestamp: Int, body: String) throws -> String {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst("whsec_".count)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { throw InvalidSecret() }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}

import Crypto
import Foundation
import Twilio

/// The per-call secret that binds a media stream to its call.
///
/// The handshake's signature covers a fixed URL, so it proves nothing about which call a
/// stream is for, and the ids in `start.customParameters` (attempt, campaign, contact) reach
/// logs. So the voice webhook, whose TwiML only Twilio sees, adds one more `<Parameter>`:
/// an HMAC-SHA256, keyed by the account's Auth Token, of the attempt and the CallSid Twilio
/// signed that webhook with. A stream is bound only when its start carries the token for its
/// own attempt and CallSid. Nothing is stored: the token is derived again to check it, and a
/// voice webhook Twilio retries gets the same one.
public struct MediaStreamCredential: Sendable {
    /// The `<Parameter>` name the token travels under.
    public static let parameter = "token"

    private let key: SymmetricKey

    public init(authToken: String) {
        // A key of its own, so that a token is never a webhook signature of anything.
        let derived = HMAC<SHA256>.authenticationCode(
            for: Data("dialer media stream binding v1".utf8),
            using: SymmetricKey(data: Data(authToken.utf8))
        )
        key = SymmetricKey(data: Data(derived))
    }

    /// The token for a stream of `callSID`, answered for `attemptID`: base64url, no padding.
    public func token(attemptID: UUID, callSID: String) -> String {
        let message = attemptID.uuidString.lowercased() + "|" + callSID
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether `token` is the one for `attemptID` and `callSID`, compared in constant time.
    public func isValid(_ token: String?, attemptID: UUID, callSID: String) -> Bool {
        guard let token else { return false }
        return TwilioSignature.constantTimeEqual(self.token(attemptID: attemptID, callSID: callSID), token)
    }
}

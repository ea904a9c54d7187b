import JWTKit

/// Signs JWTs with an RSA private key and RS256 (RSASSA-PKCS1-v1_5 with SHA-256): the one
/// algorithm both OAuth 2.0 JWT bearer flows the dialer uses accept (Salesforce's Connected
/// App login and Google's service-account token exchange).
///
/// The PEM is parsed once, when the signer is made, so a bad key is a startup error and each
/// token request only signs.
public struct RS256Signer: Sendable {
    private let keys: JWTKeyCollection
    private let keyID: JWKIdentifier?

    /// A signer for `privateKeyPEM` (PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE
    /// KEY`); `keyID`, when given, goes in each token's `kid` header so the verifier can pick
    /// the matching public key (Google's `private_key_id`).
    public init(privateKeyPEM: String, keyID: String? = nil) async throws(InvalidRSAPrivateKey) {
        let key: Insecure.RSA.PrivateKey
        do {
            key = try Insecure.RSA.PrivateKey(pem: privateKeyPEM)
        } catch {
            throw InvalidRSAPrivateKey()
        }
        let keyID = keyID.flatMap { $0.isEmpty ? nil : JWKIdentifier(string: $0) }
        self.keys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256, kid: keyID)
        self.keyID = keyID
    }

    /// The compact JWT (`header.payload.signature`) for `payload`.
    public func sign(_ payload: some JWTPayload) async throws -> String {
        try await keys.sign(payload, kid: keyID)
    }
}

/// The PEM text is not an RSA private key. Deliberately carries nothing of the text: it is a
/// secret, and errors end up in logs.
public struct InvalidRSAPrivateKey: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "not an RSA private key in PEM form" }
}

/// The token request of the JWT bearer grant (RFC 7523 §2.1), as both token endpoints take it.
public enum JWTBearerGrant {
    /// The `application/x-www-form-urlencoded` body that trades `assertion` for an access
    /// token. A compact JWT is base64url and dots only, so it needs no escaping.
    public static func formBody(assertion: String) -> String {
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
    }
}

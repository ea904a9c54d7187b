import Foundation
import JWTBearer
import JWTKit

/// The JWT the bearer flow posts: RS256-signed, iss = consumer key, sub = username,
/// aud = the audience (login or test, not the My Domain login URL), exp in seconds a few minutes ahead.
public struct BearerAssertion: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim

    public init(clientID: String, username: String, audience: String, expires: Date) {
        self.iss = IssuerClaim(value: clientID)
        self.sub = SubjectClaim(value: username)
        self.aud = AudienceClaim(value: audience)
        // A NumericDate in whole seconds, as Salesforce's examples write it: JWTKit writes a
        // Date's fraction, which strict servers refuse.
        self.exp = ExpirationClaim(value: Date(timeIntervalSince1970: expires.timeIntervalSince1970.rounded(.down)))
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }

    /// Signs an assertion for `configuration`, valid for `lifetime`.
    static func sign(_ configuration: SalesforceConfiguration, lifetime: TimeInterval = 180) async throws -> String {
        let signer: RS256Signer
        do {
            signer = try await RS256Signer(privateKeyPEM: configuration.privateKeyPEM)
        } catch {
            throw SalesforceConfigurationError.invalidPrivateKey("the Salesforce private key")
        }
        let assertion = BearerAssertion(
            clientID: configuration.clientID,
            username: configuration.username,
            audience: configuration.audience,
            expires: Date().addingTimeInterval(lifetime)
        )
        return try await signer.sign(assertion)
    }

}

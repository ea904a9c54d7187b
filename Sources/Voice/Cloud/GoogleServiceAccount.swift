import Foundation
import JWTKit

/// The fields the dialer uses from a Google Cloud service-account key file (the JSON that
/// `GOOGLE_APPLICATION_CREDENTIALS` names).
public struct GoogleServiceAccount: Sendable, Equatable, Decodable {
    public var clientEmail: String
    /// PEM (PKCS#8). A secret: never logged, and left out of this value's descriptions.
    public var privateKey: String
    /// Google's key id for ``privateKey``; sent as the JWT's `kid`.
    public var privateKeyID: String?
    /// Where the signed assertion is traded for an access token (Google's is
    /// `https://oauth2.googleapis.com/token`; a test's is a loopback server).
    public var tokenURI: String

    public init(clientEmail: String, privateKey: String, privateKeyID: String? = nil, tokenURI: String = "https://oauth2.googleapis.com/token") {
        self.clientEmail = clientEmail
        self.privateKey = privateKey
        self.privateKeyID = privateKeyID
        self.tokenURI = tokenURI
    }

    private enum CodingKeys: String, CodingKey {
        case type
        case clientEmail = "client_email"
        case privateKey = "private_key"
        case privateKeyID = "private_key_id"
        case tokenURI = "token_uri"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A user's `authorized_user` file (from `gcloud auth application-default login`) has
        // no key to sign with; say so instead of failing on a missing field.
        if let type = try container.decodeIfPresent(String.self, forKey: .type), type != "service_account" {
            throw GoogleServiceAccountError.notAServiceAccount(type: type)
        }
        self.init(
            clientEmail: try container.decode(String.self, forKey: .clientEmail),
            privateKey: try container.decode(String.self, forKey: .privateKey),
            privateKeyID: try container.decodeIfPresent(String.self, forKey: .privateKeyID),
            tokenURI: try container.decodeIfPresent(String.self, forKey: .tokenURI) ?? "https://oauth2.googleapis.com/token"
        )
    }

    /// Reads a key file; the error names what is wrong without quoting the file.
    public static func load(contentsOfFile path: String) throws(GoogleServiceAccountError) -> GoogleServiceAccount {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path)
        }
        do {
            return try JSONDecoder().decode(GoogleServiceAccount.self, from: data)
        } catch let error as GoogleServiceAccountError {
            throw error
        } catch DecodingError.keyNotFound(let key, _) {
            throw .missingField(key.stringValue)
        } catch {
            throw .malformed(path: path)
        }
    }
}

extension GoogleServiceAccount: CustomStringConvertible, CustomReflectable {
    public var description: String { "GoogleServiceAccount(\(clientEmail))" }
    public var customMirror: Mirror {
        Mirror(self, children: ["clientEmail": clientEmail, "tokenURI": tokenURI])
    }
}

/// A service-account key file that cannot be used.
public enum GoogleServiceAccountError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case malformed(path: String)
    case missingField(String)
    case notAServiceAccount(type: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read \(path)"
        case .malformed(let path): "\(path) is not a service-account key file (JSON)"
        case .missingField(let field): "the service-account key file has no \(field)"
        case .notAServiceAccount(let type): "the key file is of type \(type), not service_account"
        }
    }
}

/// The claims of the assertion a service account trades for an access token (Google's
/// "OAuth 2.0 for server to server applications"): iss = the account's email, scope, aud =
/// the token URI, iat and exp in whole seconds, at most an hour apart.
public struct GoogleServiceAccountClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var scope: String
    public var aud: AudienceClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    /// Google accepts no assertion valid for longer.
    public static let maximumLifetime: TimeInterval = 3600

    public init(account: GoogleServiceAccount, scope: String, issuedAt: Date, lifetime: TimeInterval = maximumLifetime) {
        // Whole seconds: the claims are NumericDate, and JWTKit would write a fraction.
        let issued = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        self.iss = IssuerClaim(value: account.clientEmail)
        self.scope = scope
        self.aud = AudienceClaim(value: account.tokenURI)
        self.iat = IssuedAtClaim(value: issued)
        self.exp = ExpirationClaim(value: issued.addingTimeInterval(min(lifetime, Self.maximumLifetime).rounded(.down)))
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

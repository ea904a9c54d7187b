import AsyncHTTPClient
import Foundation
import JWTBearer
import Logging

/// Access tokens for Google Cloud APIs, from a service account, shared by every adapter
/// and every call of a process.
///
/// A token is minted with the JWT bearer grant (an RS256 assertion signed with the
/// account's key, posted to its token URI), kept until a minute before it expires, and
/// replaced then; however many turns need one meanwhile, one request is in flight.
public actor GoogleAccessTokens {
    /// Every Cloud API the dialer uses accepts this scope.
    public static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

    public nonisolated let account: GoogleServiceAccount
    public nonisolated let scope: String
    private let signer: RS256Signer
    private let exchange: JSONExchange
    private let timeout: Duration
    private let logger: Logger
    /// A token this close to its expiry is replaced, so a turn never sends one that lapses
    /// in flight.
    private let refreshMargin: TimeInterval = 60

    private var current: (token: String, expires: Date)?
    private var minting: Task<(token: String, expires: Date), any Error>?

    /// Parses the account's key now, so a bad key is a startup error.
    public init(
        account: GoogleServiceAccount,
        http: HTTPClient,
        logger: Logger,
        scope: String = cloudPlatformScope,
        timeout: Duration = .seconds(10)
    ) async throws(GoogleCloudError) {
        do {
            self.signer = try await RS256Signer(privateKeyPEM: account.privateKey, keyID: account.privateKeyID)
        } catch {
            throw .invalidPrivateKey(account: account.clientEmail)
        }
        self.account = account
        self.scope = scope
        self.exchange = JSONExchange(http: http)
        self.timeout = timeout
        self.logger = logger
    }

    /// A token good for at least the refresh margin.
    public func token() async throws -> String {
        if let current, current.expires.timeIntervalSinceNow > refreshMargin {
            return current.token
        }
        if let minting { return try await minting.value.token }
        let task = Task { try await mint() }
        minting = task
        defer { minting = nil }
        let minted = try await task.value
        current = minted
        return minted.token
    }

    /// Forgets `token` if it is still the current one (the API refused it), so the next
    /// ``token()`` mints another.
    public func invalidate(_ token: String) {
        if current?.token == token { current = nil }
    }

    private struct TokenAnswer: Decodable {
        var access_token: String
        var expires_in: Double?
    }

    private struct OAuthError: Decodable {
        var error: String
        var error_description: String?
    }

    private func mint() async throws -> (token: String, expires: Date) {
        let now = Date()
        let assertion = try await signer.sign(GoogleServiceAccountClaims(account: account, scope: scope, issuedAt: now))
        let answer = try await exchange.post(
            account.tokenURI,
            body: Data(JWTBearerGrant.formBody(assertion: assertion).utf8),
            contentType: "application/x-www-form-urlencoded",
            timeout: timeout
        )
        guard answer.status == 200, let token = try? JSONDecoder().decode(TokenAnswer.self, from: answer.body) else {
            let oauth = try? JSONDecoder().decode(OAuthError.self, from: answer.body)
            throw GoogleCloudError.tokenRefused(
                status: answer.status,
                error: oauth?.error ?? "unexpected answer",
                description: oauth?.error_description ?? ""
            )
        }
        let lifetime = token.expires_in ?? GoogleServiceAccountClaims.maximumLifetime
        logger.debug("minted a Google access token", metadata: ["account": "\(account.clientEmail)", "expires_in": "\(lifetime)"])
        return (token.access_token, now.addingTimeInterval(lifetime))
    }
}

/// What went wrong with a Google Cloud API.
public enum GoogleCloudError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The service account's `private_key` is not an RSA key in PEM form.
    case invalidPrivateKey(account: String)
    /// The token URI refused the assertion (`invalid_grant`: a revoked key, a wrong clock).
    case tokenRefused(status: Int, error: String, description: String)
    /// An API answered with an error: its HTTP status and message.
    case http(service: String, status: Int, message: String)
    /// An API answered 200 with something it does not document.
    case unexpectedAnswer(service: String, String)

    public var description: String {
        switch self {
        case .invalidPrivateKey(let account): "the private_key of service account \(account) is not an RSA key in PEM form"
        case let .tokenRefused(status, error, description):
            "Google refused the service-account assertion [HTTP \(status)]: \(error)\(description.isEmpty ? "" : ": \(description)")"
        case let .http(service, status, message): "\(service) failed [HTTP \(status)]: \(message)"
        case let .unexpectedAnswer(service, detail): "\(service) answered unexpectedly: \(detail)"
        }
    }
}

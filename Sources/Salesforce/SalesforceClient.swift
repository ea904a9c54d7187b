import AsyncHTTPClient
import Backoff
import Foundation
import JWTBearer
import Logging
import NIOCore
import NIOHTTP1

/// A Salesforce REST client: JWT bearer login, one shared token, bounded retries.
///
/// 401 `INVALID_SESSION_ID` mints a new token and retries once. `unknown_error`, 5xx, timeouts
/// and refused connections are retried with exponential backoff and jitter, up to
/// `maxRetries`. 403 `REQUEST_LIMIT_EXCEEDED` is thrown at once as its own error, so callers
/// can pause instead of hammering. Other errors carry Salesforce's errorCode and message.
public final class SalesforceClient: Sendable {
    public let configuration: SalesforceConfiguration
    let http: HTTPClient
    let logger: Logger
    let backoff: RetryBackoff
    let tokens: SalesforceTokenCache

    public init(
        configuration: SalesforceConfiguration,
        http: HTTPClient = .shared,
        logger: Logger,
        backoff: RetryBackoff = RetryBackoff(base: 0.5, factor: 2, cap: 10, jitter: 0.2)
    ) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.backoff = backoff
        let mint: @Sendable () async throws -> SalesforceSession = { [configuration, http, logger, backoff] in
            try await Self.login(configuration, http: http, logger: logger, backoff: backoff)
        }
        self.tokens = SalesforceTokenCache(mint: mint)
    }

    /// `/services/data/vNN.0`
    var dataPath: String { "/services/data/v\(configuration.apiVersion)" }

    /// The longest a create may be in flight once it is started: one request, a new login
    /// after a 401 (every retry with its backoff), and the request once more. A create is
    /// never retried otherwise (see `send`), so after this it has been saved or never will be.
    public var longestCreate: Duration {
        let timeout = configuration.requestTimeout
        let login = timeout * (configuration.maxRetries + 1) + .seconds(backoff.cap) * configuration.maxRetries
        return timeout * 2 + login
    }

    /// Logs in if needed and returns the current session.
    public func session() async throws -> SalesforceSession {
        try await tokens.session()
    }

    // MARK: Login

    struct TokenResponse: Decodable {
        var access_token: String
        var instance_url: String
        var id: String?
    }

    static func login(
        _ configuration: SalesforceConfiguration,
        http: HTTPClient,
        logger: Logger,
        backoff: RetryBackoff
    ) async throws -> SalesforceSession {
        var attempt = 0
        while true {
            attempt += 1
            let assertion = try await BearerAssertion.sign(configuration)
            var request = HTTPClientRequest(url: configuration.loginURL + "/services/oauth2/token")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Accept", value: "application/json")
            request.body = .bytes(ByteBuffer(string: JWTBearerGrant.formBody(assertion: assertion)))
            guard
                let (status, body) = try await exchange(
                    request,
                    http: http,
                    configuration: configuration,
                    attempt: attempt,
                    what: "login",
                    logger: logger,
                    backoff: backoff
                )
            else { continue }
            if status == 200, let token = try? JSONDecoder().decode(TokenResponse.self, from: Data(body.readableBytesView)) {
                logger.info("logged in to Salesforce", metadata: ["instance": "\(token.instance_url)"])
                return SalesforceSession(accessToken: token.access_token, instanceURL: token.instance_url, identityURL: token.id ?? "")
            }
            let oauth = try? JSONDecoder().decode(OAuthError.self, from: Data(body.readableBytesView))
            // unknown_error and 5xx are Salesforce's transient failures; invalid_grant is not.
            if (status >= 500 || oauth?.error == "unknown_error") && attempt <= configuration.maxRetries {
                try await Task.sleep(for: .seconds(backoff.delay(afterAttempt: attempt)))
                continue
            }
            if let oauth {
                throw SalesforceError.authentication(error: oauth.error, description: oauth.error_description ?? "")
            }
            throw SalesforceError.unexpectedResponse(status: status, String(buffer: body).prefix(300).description)
        }
    }

    // MARK: Requests

    /// An answer with a 2xx or 300 status.
    struct Answer {
        var status: Int
        var body: ByteBuffer

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
            } catch {
                throw SalesforceError.unexpectedResponse(status: status, "cannot decode \(T.self): \(error)")
            }
        }
    }

    /// Sends `method path` (relative to the instance URL, or absolute) with an optional JSON body, with the
    /// session, retry and error rules above.
    ///
    /// A request that is not `idempotent` (a create) is never sent twice after it may have
    /// reached Salesforce: a 5xx or a lost answer is thrown as `unavailable`, since a retry
    /// could create the record a second time. The caller knows how to look it up first.
    func send(_ method: HTTPMethod, _ path: String, json: Data? = nil, idempotent: Bool = true) async throws -> Answer {
        var session = try await tokens.session()
        var renewed = false
        var attempt = 0
        while true {
            attempt += 1
            // The identity URL is absolute (on the login host); every other path is the instance's.
            var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : session.instanceURL + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(session.accessToken)")
            request.headers.add(name: "Accept", value: "application/json")
            if let json {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: json))
            }
            guard
                let (status, body) = try await Self.exchange(
                    request,
                    http: http,
                    configuration: configuration,
                    attempt: idempotent ? attempt : configuration.maxRetries + 1,
                    what: "\(method) \(Self.redacted(path))",
                    logger: logger,
                    backoff: backoff
                )
            else { continue }
            if (200..<300).contains(status) || status == 300 { return Answer(status: status, body: body) }

            let errors = (try? JSONDecoder().decode([SalesforceAPIError].self, from: Data(body.readableBytesView))) ?? []
            let first = errors.first
            if status == 401 && !renewed {
                // INVALID_SESSION_ID: the token expired or was revoked. One new token, one retry.
                renewed = true
                session = try await tokens.replace(session)
                continue
            }
            if status == 403 && first?.errorCode == "REQUEST_LIMIT_EXCEEDED" {
                throw SalesforceError.requestLimitExceeded(message: first?.message ?? "")
            }
            let transient = status >= 500 || first?.errorCode == "UNKNOWN_EXCEPTION" || first?.errorCode == "unknown_error"
            if transient && !idempotent {
                throw SalesforceError.unavailable("\(method) \(Self.redacted(path)) answered \(status), maybe after saving: not sent again")
            }
            if transient && attempt <= configuration.maxRetries {
                logger.warning("Salesforce answered \(status); retrying", metadata: ["path": "\(Self.redacted(path))", "attempt": "\(attempt)"])
                try await Task.sleep(for: .seconds(backoff.delay(afterAttempt: attempt)))
                continue
            }
            if let first {
                throw SalesforceError.api(status: status, errorCode: first.errorCode, message: first.message, fields: first.fields ?? [])
            }
            throw SalesforceError.unexpectedResponse(status: status, String(buffer: body).prefix(300).description)
        }
    }

    /// One HTTP exchange. A transport failure (timeout, refused or dropped connection) waits
    /// out the backoff and returns nil so the caller tries again, until the retries are spent.
    static func exchange(
        _ request: HTTPClientRequest,
        http: HTTPClient,
        configuration: SalesforceConfiguration,
        attempt: Int,
        what: String,
        logger: Logger,
        backoff: RetryBackoff
    ) async throws -> (status: Int, body: ByteBuffer)? {
        let sent = ContinuousClock.now
        do {
            let response = try await http.execute(request, timeout: configuration.requestTimeoutAmount)
            let body = try await response.body.collect(upTo: 64 << 20)
            configuration.onResponse?(Int(response.status.code), ContinuousClock.now - sent)
            return (Int(response.status.code), body)
        } catch {
            configuration.onResponse?(nil, ContinuousClock.now - sent)
            guard attempt <= configuration.maxRetries else { throw SalesforceError.unavailable("\(what): \(error)") }
            logger.warning("Salesforce request failed; retrying", metadata: ["request": "\(what)", "error": "\(error)", "attempt": "\(attempt)"])
            try await Task.sleep(for: .seconds(backoff.delay(afterAttempt: attempt)))
            return nil
        }
    }

    /// A path for logs: query strings can hold SOQL with names and numbers in it.
    static func redacted(_ path: String) -> String {
        path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
    }
}

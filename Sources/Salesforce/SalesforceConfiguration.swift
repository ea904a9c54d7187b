import Backoff
import Foundation
import NIOCore

/// How to reach and authenticate to Salesforce with the OAuth 2.0 JWT bearer flow.
///
/// From the environment: `SALESFORCE_CLIENT_ID` (the Connected App's consumer key),
/// `SALESFORCE_USERNAME`, `SALESFORCE_LOGIN_URL` (where the token is asked for; default
/// https://login.salesforce.com; use https://test.salesforce.com for a sandbox org, or the
/// org's My Domain URL), `SALESFORCE_AUDIENCE` (the JWT's `aud`; default derived from the login
/// URL, see `defaultAudience(forLoginURL:)`), the private key
/// as PEM in `SALESFORCE_PRIVATE_KEY` or in the file `SALESFORCE_PRIVATE_KEY_FILE`,
/// `SALESFORCE_API_VERSION` (default 62.0), `SALESFORCE_REQUEST_TIMEOUT` (seconds, default 30)
/// and `SALESFORCE_MAX_RETRIES` (default 4).
public struct SalesforceConfiguration: Sendable {
    public var clientID: String
    public var username: String
    /// Where the token is asked for: login, test or the org's My Domain.
    public var loginURL: String
    /// The assertion's `aud`. Salesforce takes only https://login.salesforce.com,
    /// https://test.salesforce.com or an Experience Cloud site URL here, never a My Domain URL,
    /// so it is kept apart from `loginURL`.
    public var audience: String
    public var privateKeyPEM: String
    public var apiVersion: String
    /// One HTTP request's time limit.
    public var requestTimeout: Duration
    /// Retries of transient failures (5xx, `unknown_error`, timeouts, refused connections).
    public var maxRetries: Int
    /// Told of every request's answer: its HTTP status (nil: none came) and how long it took,
    /// for a worker's metrics.
    public var onResponse: (@Sendable (_ status: Int?, _ duration: Duration) -> Void)?

    public init(
        clientID: String,
        username: String,
        loginURL: String = "https://login.salesforce.com",
        audience: String? = nil,
        privateKeyPEM: String,
        apiVersion: String = "62.0",
        requestTimeout: Duration = .seconds(30),
        maxRetries: Int = 4
    ) {
        self.clientID = clientID
        self.username = username
        self.loginURL = loginURL.hasSuffix("/") ? String(loginURL.dropLast()) : loginURL
        let audience = audience.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.audience = audience ?? Self.defaultAudience(forLoginURL: self.loginURL)
        self.privateKeyPEM = privateKeyPEM
        self.apiVersion = apiVersion
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
    }

    public static let productionAudience = "https://login.salesforce.com"
    public static let sandboxAudience = "https://test.salesforce.com"

    /// The `aud` for a login URL, as Salesforce's own CLI maps it: a sandbox org's login
    /// (test.salesforce.com, or a My Domain under `.sandbox.my.salesforce.com`) takes
    /// https://test.salesforce.com; everything else, My Domains included,
    /// https://login.salesforce.com. An Experience Cloud site sets `SALESFORCE_AUDIENCE`.
    public static func defaultAudience(forLoginURL loginURL: String) -> String {
        let host = URL(string: loginURL)?.host?.lowercased() ?? ""
        let sandbox = host == "test.salesforce.com" || host.hasSuffix(".sandbox.my.salesforce.com")
        return sandbox ? sandboxAudience : productionAudience
    }

    var requestTimeoutAmount: TimeAmount { .nanoseconds(Int64(requestTimeout.seconds * 1e9)) }

    /// Reads the settings above; a missing or unreadable one is an error that names it.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SalesforceConfiguration {
        func required(_ name: String) throws -> String {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw SalesforceConfigurationError.missing(name)
            }
            return value
        }
        let key: String
        if let inline = environment["SALESFORCE_PRIVATE_KEY"], !inline.isEmpty {
            key = inline.replacingOccurrences(of: "\\n", with: "\n")
        } else if let path = environment["SALESFORCE_PRIVATE_KEY_FILE"], !path.isEmpty {
            do {
                key = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw SalesforceConfigurationError.unreadable("SALESFORCE_PRIVATE_KEY_FILE", path: path)
            }
        } else {
            throw SalesforceConfigurationError.missing("SALESFORCE_PRIVATE_KEY or SALESFORCE_PRIVATE_KEY_FILE")
        }
        func number(_ name: String, default value: Double, in range: ClosedRange<Double>) throws -> Double {
            guard let text = environment[name], !text.isEmpty else { return value }
            guard let number = Double(text), range.contains(number) else {
                throw SalesforceConfigurationError.outOfRange(name, text, range)
            }
            return number
        }
        return SalesforceConfiguration(
            clientID: try required("SALESFORCE_CLIENT_ID"),
            username: try required("SALESFORCE_USERNAME"),
            loginURL: environment["SALESFORCE_LOGIN_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://login.salesforce.com",
            audience: environment["SALESFORCE_AUDIENCE"].flatMap { $0.isEmpty ? nil : $0 },
            privateKeyPEM: key,
            apiVersion: environment["SALESFORCE_API_VERSION"].flatMap { $0.isEmpty ? nil : $0 } ?? "62.0",
            requestTimeout: .milliseconds(Int64(try number("SALESFORCE_REQUEST_TIMEOUT", default: 30, in: 0.1...600) * 1000)),
            maxRetries: Int(try number("SALESFORCE_MAX_RETRIES", default: 4, in: 0...10).rounded(.down))
        )
    }
}

/// A Salesforce setting that is missing or cannot be used, named.
public enum SalesforceConfigurationError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case unreadable(String, path: String)
    case invalidPrivateKey(String)
    case outOfRange(String, String, ClosedRange<Double>)

    public var description: String {
        switch self {
        case .missing(let name): "\(name) is not set"
        case let .unreadable(name, path): "\(name): cannot read \(path)"
        case .invalidPrivateKey(let source): "\(source) is not an RSA private key in PEM form"
        case let .outOfRange(name, value, range):
            "\(name) must be a number from \(range.lowerBound.formatted()) to \(range.upperBound.formatted()), not \(value)"
        }
    }
}

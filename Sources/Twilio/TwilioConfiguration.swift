import Backoff
import Foundation

/// How to reach Twilio's REST API.
///
/// From the environment: `TWILIO_ACCOUNT_SID`, and either `TWILIO_AUTH_TOKEN` or an API key
/// (`TWILIO_API_KEY` and `TWILIO_API_SECRET`, preferred in production: revocable on its own);
/// `TWILIO_BASE_URL` points the same code at the Sandbox Twilio.
public struct TwilioConfiguration: Sendable {
    public var accountSID: String
    /// The Account SID or an API key SID.
    public var username: String
    /// The Auth Token or the API key's secret.
    public var secret: String
    public var baseURL: String
    public var requestTimeout: Duration
    /// Retries of reads and of writes Twilio refused before doing anything (429, refused connection).
    public var maxRetries: Int
    /// Told of every request's answer: its HTTP status (nil: none came) and how long it took,
    /// for a worker's metrics.
    public var onResponse: (@Sendable (_ status: Int?, _ duration: Duration) -> Void)?

    public init(
        accountSID: String,
        username: String? = nil,
        secret: String,
        baseURL: String = "https://api.twilio.com",
        requestTimeout: Duration = .seconds(15),
        maxRetries: Int = 3
    ) {
        self.accountSID = accountSID
        self.username = username ?? accountSID
        self.secret = secret
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TwilioConfiguration {
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let account = value("TWILIO_ACCOUNT_SID") else { throw TwilioConfigurationError.missing("TWILIO_ACCOUNT_SID") }
        let base = value("TWILIO_BASE_URL") ?? "https://api.twilio.com"
        if let key = value("TWILIO_API_KEY") {
            guard let secret = value("TWILIO_API_SECRET") else { throw TwilioConfigurationError.missing("TWILIO_API_SECRET") }
            return TwilioConfiguration(accountSID: account, username: key, secret: secret, baseURL: base)
        }
        guard let token = value("TWILIO_AUTH_TOKEN") else {
            throw TwilioConfigurationError.missing("TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)")
        }
        return TwilioConfiguration(accountSID: account, secret: token, baseURL: base)
    }
}

/// A Twilio setting that is missing, named.
public enum TwilioConfigurationError: Error, Equatable, CustomStringConvertible {
    case missing(String)

    public var description: String {
        switch self {
        case .missing(let name): "\(name) is not set"
        }
    }
}

import ArgumentParser

/// Salesforce settings as flags; each overrides its environment variable. The private key is
/// taken only as a file, never as a flag value, since a process's arguments are visible to
/// every user of the host.
public struct SalesforceOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("salesforce-client-id"), help: "The Connected App's consumer key ($SALESFORCE_CLIENT_ID).")
    public var clientID: String?

    @Option(name: .customLong("salesforce-username"), help: "The integration user ($SALESFORCE_USERNAME).")
    public var username: String?

    @Option(name: .customLong("salesforce-login-url"), help: "Where to ask for the token: login, test or My Domain URL ($SALESFORCE_LOGIN_URL).")
    public var loginURL: String?

    @Option(
        name: .customLong("salesforce-audience"),
        help:
            "The JWT aud: https://login.salesforce.com, https://test.salesforce.com or an Experience Cloud site; default from the login URL ($SALESFORCE_AUDIENCE)."
    )
    public var audience: String?

    @Option(name: .customLong("salesforce-private-key-file"), help: "PEM file of the Connected App's private key ($SALESFORCE_PRIVATE_KEY_FILE).")
    public var privateKeyFile: String?

    @Option(name: .customLong("salesforce-api-version"), help: "REST API version, such as 62.0 ($SALESFORCE_API_VERSION).")
    public var apiVersion: String?

    public init() {}

    /// The environment with these flags laid over it.
    public func environment(_ base: [String: String]) -> [String: String] {
        var merged = base
        if let clientID { merged["SALESFORCE_CLIENT_ID"] = clientID }
        if let username { merged["SALESFORCE_USERNAME"] = username }
        if let loginURL { merged["SALESFORCE_LOGIN_URL"] = loginURL }
        if let audience { merged["SALESFORCE_AUDIENCE"] = audience }
        if let apiVersion { merged["SALESFORCE_API_VERSION"] = apiVersion }
        if let privateKeyFile {
            merged["SALESFORCE_PRIVATE_KEY_FILE"] = privateKeyFile
            merged["SALESFORCE_PRIVATE_KEY"] = nil
        }
        return merged
    }
}

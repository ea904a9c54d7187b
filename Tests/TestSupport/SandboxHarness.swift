import Hummingbird
import HummingbirdTesting
import Logging
import Salesforce
import Sandbox
import Twilio

/// Runs a Sandbox Salesforce on a loopback port for `body`, with a client configuration that
/// logs in to it with the test Connected App key. The Sandbox is the token endpoint, as a My
/// Domain would be, and the audience is its own (https://login.salesforce.com unless
/// `configure` says otherwise), which the client configuration carries.
public func withSandboxSalesforce<Result: Sendable>(
    pageSize: Int = 2000,
    configure: (inout SandboxSalesforce.Configuration) -> Void = { _ in },
    _ body: @Sendable (SandboxSalesforce, SalesforceConfiguration) async throws -> Result
) async throws -> Result {
    var sandboxConfiguration = SandboxSalesforce.Configuration(
        clientID: "3MVG9dialerTestConsumerKey",
        username: "integration@dialer.test",
        publicKeyPEM: TestKeys.connectedAppPublicKey,
        pageSize: pageSize
    )
    configure(&sandboxConfiguration)
    let sandbox = SandboxSalesforce(configuration: sandboxConfiguration)
    let app = Application(router: sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.testLogger)
    return try await app.test(.live) { client in
        guard let port = client.port else { throw TestSetupError("the Sandbox did not report its port") }
        sandbox.baseURL = "http://127.0.0.1:\(port)"
        let configuration = SalesforceConfiguration(
            clientID: "3MVG9dialerTestConsumerKey",
            username: "integration@dialer.test",
            loginURL: sandbox.baseURL,
            audience: sandbox.configuration.audience,
            privateKeyPEM: TestKeys.connectedAppPrivateKey,
            requestTimeout: .seconds(5),
            maxRetries: 3
        )
        return try await body(sandbox, configuration)
    }
}

/// The Sandbox Twilio's account in tests, as the webhooks must know it.
public enum SandboxHarness {
    public static let accountSID = "ACdialer0000000000000000000000test"
    public static let authToken = "sandbox-auth-token"
}

/// Runs a Sandbox Twilio on a loopback port for `body`, with a client configuration for it.
/// Its simulated calls are stopped when `body` returns.
public func withSandboxTwilio<Result: Sendable>(
    configure: (inout SandboxTwilio.Configuration) -> Void = { _ in },
    _ body: @Sendable (SandboxTwilio, TwilioConfiguration) async throws -> Result
) async throws -> Result {
    var sandboxConfiguration = SandboxTwilio.Configuration(
        accountSID: SandboxHarness.accountSID,
        authToken: SandboxHarness.authToken,
        ownedNumbers: ["+14155550100"]
    )
    configure(&sandboxConfiguration)
    let sandbox = SandboxTwilio(configuration: sandboxConfiguration)
    defer { sandbox.shutdown() }
    let app = Application(router: sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.testLogger)
    return try await app.test(.live) { client in
        guard let port = client.port else { throw TestSetupError("the Sandbox did not report its port") }
        let configuration = TwilioConfiguration(
            accountSID: sandbox.configuration.accountSID,
            secret: sandbox.configuration.authToken,
            baseURL: "http://127.0.0.1:\(port)",
            requestTimeout: .seconds(5),
            maxRetries: 3
        )
        return try await body(sandbox, configuration)
    }
}

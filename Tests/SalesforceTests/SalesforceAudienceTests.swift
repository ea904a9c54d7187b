import Foundation
import Sandbox
import TestSupport
import Testing

@testable import Salesforce

/// The token endpoint may be a My Domain; the assertion's `aud` never is: Salesforce takes
/// https://login.salesforce.com, https://test.salesforce.com or an Experience Cloud site.
@Suite struct SalesforceAudienceTests {
    static let base = ["SALESFORCE_CLIENT_ID": "id", "SALESFORCE_USERNAME": "u", "SALESFORCE_PRIVATE_KEY": "pem"]

    static func audience(_ environment: [String: String]) throws -> String {
        try SalesforceConfiguration.fromEnvironment(base.merging(environment) { $1 }).audience
    }

    @Test func theAudienceIsDerivedFromTheLoginURLAsSalesforcesCLIMapsIt() throws {
        #expect(try Self.audience([:]) == "https://login.salesforce.com")
        #expect(try Self.audience(["SALESFORCE_LOGIN_URL": "https://login.salesforce.com"]) == "https://login.salesforce.com")
        #expect(try Self.audience(["SALESFORCE_LOGIN_URL": "https://test.salesforce.com/"]) == "https://test.salesforce.com")
        #expect(try Self.audience(["SALESFORCE_LOGIN_URL": "https://acme.my.salesforce.com"]) == "https://login.salesforce.com")
        #expect(try Self.audience(["SALESFORCE_LOGIN_URL": "https://acme--uat.sandbox.my.salesforce.com"]) == "https://test.salesforce.com")
        #expect(try Self.audience(["SALESFORCE_LOGIN_URL": "https://ACME--UAT.Sandbox.My.Salesforce.com/"]) == "https://test.salesforce.com")
        // Set, it wins: an Experience Cloud site, say.
        #expect(
            try Self.audience([
                "SALESFORCE_LOGIN_URL": "https://acme.my.site.com/partners", "SALESFORCE_AUDIENCE": "https://acme.my.site.com/partners/",
            ]) == "https://acme.my.site.com/partners"
        )
        let configuration = try SalesforceConfiguration.fromEnvironment(
            Self.base.merging(["SALESFORCE_LOGIN_URL": "https://acme--uat.sandbox.my.salesforce.com"]) { $1 }
        )
        #expect(configuration.loginURL == "https://acme--uat.sandbox.my.salesforce.com", "the token is still asked of the My Domain")
    }

    /// The Sandbox is the token endpoint here, as a My Domain would be: the assertion must
    /// carry Salesforce's audience, not the URL the token is asked of.
    @Test func aMyDomainLoginSendsSalesforcesAudienceNotTheLoginURL() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let myDomain = SalesforceConfiguration(
                clientID: configuration.clientID,
                username: configuration.username,
                loginURL: sandbox.baseURL,
                privateKeyPEM: configuration.privateKeyPEM,
                requestTimeout: .seconds(5),
                maxRetries: 0
            )
            _ = try await SalesforceClientTests.client(myDomain).session()
            let body = try #require(sandbox.requests.first { $0.path == "/services/oauth2/token" && $0.status == 200 }?.body)
            #expect(Self.claims(body)["aud"] as? String == "https://login.salesforce.com")
        }
    }

    @Test func aSandboxOrgsAudienceLogsInAndAProductionOneIsRefused() async throws {
        try await withSandboxSalesforce(configure: { $0.audience = "https://test.salesforce.com" }) { sandbox, configuration in
            #expect(configuration.audience == "https://test.salesforce.com")
            _ = try await SalesforceClientTests.client(configuration).session()

            var production = configuration
            production.audience = "https://login.salesforce.com"
            await #expect(throws: SalesforceError.authentication(error: "invalid_grant", description: "audience is invalid")) {
                try await SalesforceClientTests.client(production).session()
            }
            var myDomain = configuration
            myDomain.audience = sandbox.baseURL
            await #expect(throws: SalesforceError.authentication(error: "invalid_grant", description: "audience is invalid")) {
                try await SalesforceClientTests.client(myDomain).session()
            }
        }
    }

    /// The identity URL needs the `id` scope; the dialer's Connected App has `api`.
    @Test func theIdentityURLIsRefusedWithoutTheIdScopeAndTheUserIsReadWithApiAlone() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let client = SalesforceClientTests.client(configuration)
            let session = try await client.session()
            do {
                _ = try await client.send(.GET, session.identityURL)
                Issue.record("the identity URL answered a token without the id scope")
            } catch let SalesforceError.unexpectedResponse(status, detail) {
                #expect(status == 403 && detail == "Bad_OAuth_Token")
            }
            let user = try await client.integrationUser()
            #expect(user.Username == configuration.username && user.Id.hasPrefix("005"))
        }
        try await withSandboxSalesforce(configure: { $0.scopes = ["api", "id"] }) { _, configuration in
            let client = SalesforceClientTests.client(configuration)
            let answer = try await client.send(.GET, try await client.session().identityURL)
            #expect(answer.status == 200)
        }
    }

    static func claims(_ tokenRequestBody: String) -> [String: Any] {
        guard let assertion = tokenRequestBody.components(separatedBy: "assertion=").last?.removingPercentEncoding else { return [:] }
        let parts = assertion.split(separator: ".")
        guard parts.count == 3 else { return [:] }
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        guard let data = Data(base64Encoded: payload) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}

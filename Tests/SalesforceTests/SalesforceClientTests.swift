import Foundation
import Logging
import Salesforce
import Sandbox
import TestSupport
import Testing

@Suite struct SalesforceClientTests {
    static func client(_ configuration: SalesforceConfiguration) -> SalesforceClient {
        SalesforceClient(configuration: configuration, logger: TestDatabase.testLogger, backoff: .init(base: 0.01, factor: 2, cap: 0.05, jitter: 0))
    }

    static func contacts(_ count: Int) -> [SandboxRecord] {
        (1...count).map { n in
            SandboxRecord(
                type: "Contact",
                fields: [
                    "FirstName": .string("Pat\(n)"), "LastName": .string("Lee"), "Phone": .string("(415) 555-01\(10 + n)"),
                    "MailingState": .string(n % 2 == 0 ? "CA" : "NY"), "DoNotCall": .boolean(n == 3),
                ]
            )
        }
    }

    static func count(_ sandbox: SandboxSalesforce, _ path: String, status: Int? = nil) -> Int {
        sandbox.requests.filter { $0.path.hasSuffix(path) && (status == nil || $0.status == status) }.count
    }

    @Test func logsInWithAVerifiedAssertionAndFollowsEveryPage() async throws {
        try await withSandboxSalesforce(pageSize: 2) { sandbox, configuration in
            sandbox.insert(Self.contacts(5))
            let client = Self.client(configuration)
            var pages: [Int] = []
            for try await page in client.queryPages(
                "SELECT Id, FirstName, Phone, DoNotCall FROM Contact ORDER BY FirstName",
                as: SalesforceContact.self
            ) {
                pages.append(page.records.count)
                #expect(page.totalSize == 5)
            }
            #expect(pages == [2, 2, 1])
            let all = try await client.query("SELECT Id, FirstName, DoNotCall FROM Contact WHERE MailingState = 'CA'", as: SalesforceContact.self)
            #expect(all.map(\.FirstName) == ["Pat2", "Pat4"])
            #expect(Self.count(sandbox, "/services/oauth2/token", status: 200) == 1)
            #expect(Self.count(sandbox, "/query", status: 200) == 2)  // the first page of each of the two queries
            #expect(sandbox.requests.filter { $0.path.contains("/query/01g") }.count == 2)
            let tokenRequest = try #require(sandbox.requests.first { $0.path == "/services/oauth2/token" })
            #expect(tokenRequest.body.hasPrefix("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"))
        }
    }

    /// Salesforce's examples write `exp` as an integer; JWTKit writes a Date's fraction unless
    /// the date is whole seconds, and strict servers refuse `"exp":1765000180.4321`.
    @Test func theAssertionsExpIsAWholeNumberOfSeconds() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            _ = try await Self.client(configuration).query("SELECT Id FROM Contact", as: SalesforceContact.self)
            let body = try #require(sandbox.requests.first { $0.path == "/services/oauth2/token" }?.body)
            let assertion = try #require(body.components(separatedBy: "assertion=").last)
            var payload = String(assertion.split(separator: ".")[1])
                .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
            let data = try #require(Data(base64Encoded: payload))
            let json = try #require(String(data: data, encoding: .utf8))
            let exp = try #require(json.range(of: #""exp":[0-9.eE+-]+"#, options: .regularExpression).map { json[$0].dropFirst(6) })
            #expect(Int(exp) != nil, "exp is \(exp)")
            let seconds = try #require(Int(exp))
            #expect(abs(Double(seconds) - Date().timeIntervalSince1970 - 180) < 10)
        }
    }

    @Test func refusesAssertionsSignedWithAnotherKeyOrForAnotherApp() async throws {
        try await withSandboxSalesforce { _, configuration in
            var wrongKey = configuration
            wrongKey.privateKeyPEM = TestKeys.otherPrivateKey
            await #expect(throws: SalesforceError.authentication(error: "invalid_grant", description: "invalid assertion")) {
                try await Self.client(wrongKey).session()
            }
            var wrongApp = configuration
            wrongApp.clientID = "someone-else"
            await #expect(throws: SalesforceError.authentication(error: "invalid_client_id", description: "client identifier invalid")) {
                try await Self.client(wrongApp).session()
            }
            var wrongUser = configuration
            wrongUser.username = "intruder@dialer.test"
            await #expect(throws: SalesforceError.authentication(error: "invalid_grant", description: "user hasn't approved this consumer")) {
                try await Self.client(wrongUser).session()
            }
            let session = try await Self.client(configuration).session()
            #expect(session.instanceURL == configuration.loginURL)
            #expect(session.identityURL.hasSuffix("/id/00DSB0000000001AAA/005SB0000000001AAA"))
        }
    }

    @Test func anExpiredSessionIsRenewedOnceTransparentlyForEveryWaitingCaller() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            sandbox.insert(Self.contacts(3))
            let client = Self.client(configuration)
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await client.query("SELECT Id FROM Contact", as: SalesforceContact.self).count } }
                for try await count in group { #expect(count == 3) }
            }
            #expect(Self.count(sandbox, "/services/oauth2/token") == 1)

            sandbox.expireSessions()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await client.query("SELECT Id FROM Contact", as: SalesforceContact.self).count } }
                for try await count in group { #expect(count == 3) }
            }
            #expect(Self.count(sandbox, "/services/oauth2/token") == 2)
            #expect(Self.count(sandbox, "/query", status: 401) >= 1)
        }
    }

    @Test func serverErrorsAreRetriedWithBackoffAndTheQueryStillAnswers() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            sandbox.insert(Self.contacts(2))
            let client = Self.client(configuration)
            _ = try await client.session()
            sandbox.faults.serverErrors = 2
            #expect(try await client.query("SELECT Id FROM Contact", as: SalesforceContact.self).count == 2)
            #expect(sandbox.requests.filter { $0.path.hasSuffix("/query") }.map(\.status) == [500, 500, 200])

            sandbox.faults.serverErrors = 10
            await #expect(throws: SalesforceError.self) { try await client.query("SELECT Id FROM Contact", as: SalesforceContact.self) }
            #expect(sandbox.requests.filter { $0.path.hasSuffix("/query") }.count == 3 + 4)  // 1 try + 3 retries
        }
    }

    @Test func requestLimitExceededIsItsOwnErrorAndIsNotHammered() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let client = Self.client(configuration)
            _ = try await client.session()
            sandbox.faults.requestLimitExceeded = true
            await #expect(throws: SalesforceError.requestLimitExceeded(message: "TotalRequests Limit exceeded.")) {
                try await client.query("SELECT Id FROM Contact", as: SalesforceContact.self)
            }
            #expect(Self.count(sandbox, "/query") == 1)
        }
    }

    @Test func aMalformedQueryCarriesSalesforcesCodeAndMessage() async throws {
        try await withSandboxSalesforce { _, configuration in
            do {
                _ = try await Self.client(configuration).query("SELECT Id FROM Contact WHERE MailingState = ", as: SalesforceContact.self)
                Issue.record("a malformed query was answered")
            } catch let SalesforceError.api(status, code, message, _) {
                #expect(status == 400 && code == "MALFORMED_QUERY")
                #expect(message.contains("unexpected token: end of query, expecting a value"))
            }
        }
    }

    @Test func writesTasksSinglyInBatchesAndByExternalIDAndSetsDoNotCall() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let contactID = sandbox.insert(Self.contacts(1))[0]
            let client = Self.client(configuration)
            func task(_ sid: String, subject: String = "AI Voice Call - answered") -> SalesforceTask {
                SalesforceTask(
                    WhoId: contactID,
                    WhatId: nil,
                    Subject: subject,
                    Status: "Completed",
                    CallDisposition: "answered",
                    CallObject: sid,
                    CallDurationInSeconds: 42,
                    ActivityDate: "2026-11-24",
                    Description: "[00:00:01] AGENT: Hi"
                )
            }
            let single = try await client.createTask(task("CA1"))
            #expect(try await client.findTask(callObject: "CA1") == single)
            #expect(try await client.findTask(callObject: "CA-none") == nil)

            sandbox.faults.rejectSubjectsContaining = "REJECT"
            let results = try await client.createTasks([task("CA2"), task("CA3", subject: "REJECT me"), task("CA4")])
            #expect(results.map(\.success) == [true, false, true])
            #expect(results[1].errors.first?.statusCode == "FIELD_CUSTOM_VALIDATION_EXCEPTION")

            let first = try await client.upsertTask(task("CA5"), externalIDField: "CallSid__c", value: "CA5")
            let again = try await client.upsertTask(task("CA5"), externalIDField: "CallSid__c", value: "CA5")
            #expect(first.created && !again.created && first.id == again.id)
            #expect(sandbox.records(ofType: "Task").filter { $0["CallObject"] == .string("CA5") }.count == 1)
            #expect(sandbox.records(ofType: "Task").count == 4)

            try await client.setDoNotCall(contactID: contactID)
            #expect(sandbox.record(id: contactID)?["DoNotCall"] == .boolean(true))
            #expect(try await client.contact(id: contactID).DoNotCall == true)
        }
    }

    @Test func anUnreachableSalesforceIsRetriedThenReportedAsUnavailable() async throws {
        let configuration = SalesforceConfiguration(
            clientID: "c",
            username: "u",
            loginURL: "http://127.0.0.1:1",
            privateKeyPEM: TestKeys.connectedAppPrivateKey,
            requestTimeout: .milliseconds(300),
            maxRetries: 2
        )
        do {
            _ = try await Self.client(configuration).session()
            Issue.record("logged in to nothing")
        } catch let SalesforceError.unavailable(reason) {
            #expect(reason.hasPrefix("login: "))
        }
    }

    @Test func aMissingOrUnreadableSettingIsNamed() {
        #expect(throws: SalesforceConfigurationError.missing("SALESFORCE_PRIVATE_KEY or SALESFORCE_PRIVATE_KEY_FILE")) {
            try SalesforceConfiguration.fromEnvironment(["SALESFORCE_CLIENT_ID": "x", "SALESFORCE_USERNAME": "u"])
        }
        #expect(throws: SalesforceConfigurationError.missing("SALESFORCE_CLIENT_ID")) {
            try SalesforceConfiguration.fromEnvironment(["SALESFORCE_PRIVATE_KEY": "pem", "SALESFORCE_USERNAME": "u"])
        }
        #expect(throws: SalesforceConfigurationError.unreadable("SALESFORCE_PRIVATE_KEY_FILE", path: "/nonexistent/key.pem")) {
            try SalesforceConfiguration.fromEnvironment(["SALESFORCE_PRIVATE_KEY_FILE": "/nonexistent/key.pem"])
        }
        let configuration = try? SalesforceConfiguration.fromEnvironment([
            "SALESFORCE_CLIENT_ID": "id", "SALESFORCE_USERNAME": "u", "SALESFORCE_PRIVATE_KEY": "a\\nb",
            "SALESFORCE_LOGIN_URL": "https://test.salesforce.com/",
        ])
        #expect(configuration?.loginURL == "https://test.salesforce.com")
        #expect(configuration?.privateKeyPEM == "a\nb")
        #expect(configuration?.requestTimeout == .seconds(30) && configuration?.maxRetries == 4)
    }

    @Test func theRequestTimeoutAndRetriesComeFromTheEnvironmentAndBoundTheLongestCreate() throws {
        let base = ["SALESFORCE_CLIENT_ID": "id", "SALESFORCE_USERNAME": "u", "SALESFORCE_PRIVATE_KEY": "pem"]
        let configuration = try SalesforceConfiguration.fromEnvironment(
            base.merging(["SALESFORCE_REQUEST_TIMEOUT": "2.5", "SALESFORCE_MAX_RETRIES": "1"]) { $1 }
        )
        #expect(configuration.requestTimeout == .milliseconds(2500) && configuration.maxRetries == 1)
        // A create, a login after its 401 (one retry with a backoff of at most 10 s), the create again.
        let client = SalesforceClient(configuration: configuration, logger: Logger(label: "test"))
        #expect(client.longestCreate == .milliseconds(2500 * 2 + 2500 * 2 + 10_000))
        #expect(throws: SalesforceConfigurationError.outOfRange("SALESFORCE_REQUEST_TIMEOUT", "soon", 0.1...600)) {
            try SalesforceConfiguration.fromEnvironment(base.merging(["SALESFORCE_REQUEST_TIMEOUT": "soon"]) { $1 })
        }
        #expect(throws: SalesforceConfigurationError.outOfRange("SALESFORCE_MAX_RETRIES", "-1", 0...10)) {
            try SalesforceConfiguration.fromEnvironment(base.merging(["SALESFORCE_MAX_RETRIES": "-1"]) { $1 })
        }
        #expect(
            SalesforceConfigurationError.outOfRange("SALESFORCE_MAX_RETRIES", "-1", 0...10).description
                == "SALESFORCE_MAX_RETRIES must be a number from 0 to 10, not -1"
        )
    }
}

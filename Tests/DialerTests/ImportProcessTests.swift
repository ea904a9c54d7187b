import Foundation
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing

/// Imports run by real `dialer worker` processes against the Sandbox.
@Suite struct ImportProcessTests {
    static func worker(_ url: DatabaseURL, _ configuration: SalesforceConfiguration, _ extra: [String] = []) -> ChildProcess {
        ChildProcess(
            Products.path("dialer"),
            arguments: ["worker", "--lease", "2"] + extra,
            environment: CampaignCommandTests.salesforceEnvironment(configuration).merging(["DATABASE_URL": url.connectionString]) { a, _ in a }
        )
    }

    @Test func aWorkerKilledMidImportLeavesTheRestToAnotherWithNoDuplicates() async throws {
        try await TestDatabase.withFresh { db, url in
            try await withSandboxSalesforce(pageSize: 4) { sandbox, configuration in
                sandbox.seedContacts(60, seed: 3)
                sandbox.faults.latency = .milliseconds(150)
                let first = Self.worker(url, configuration)
                try first.start()
                let create = try await CampaignCommandTests.dialer(
                    url,
                    ["campaign", "create", "--name", "k", "--from", "+14155550100", "--where", "LastName != null"]
                )
                #expect(create.status == 0, "\(create.output)")
                let midway = try await eventually(timeout: .seconds(30)) {
                    try await db.scalar("SELECT records_seen FROM dialer.campaigns", as: Int.self) >= 12
                }
                #expect(midway, "\(first.text)")
                first.signal(SIGKILL)
                _ = await first.wait(timeout: .seconds(10))
                let seenAtKill = try await db.scalar("SELECT count(*)::int FROM dialer.contacts", as: Int.self)
                #expect(seenAtKill < 60)

                sandbox.faults.latency = .zero
                let second = Self.worker(url, configuration)
                try second.start()
                defer { second.signal(SIGTERM) }
                let done = try await eventually(timeout: .seconds(30)) {
                    try await db.scalar("SELECT status FROM dialer.campaigns", as: String.self) == "active"
                }
                #expect(done, "\(second.text)")
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.contacts", as: Int.self) == 60)
                #expect(try await db.scalar("SELECT count(DISTINCT salesforce_id)::int FROM dialer.contacts", as: Int.self) == 60)
                let callable = try await db.scalar("SELECT count(*)::int FROM dialer.contacts WHERE skip_reason IS NULL", as: Int.self)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == callable)
                #expect(try await db.scalar("SELECT attempt FROM dialer.jobs WHERE kind = 'import_campaign'", as: Int.self) == 2)
                #expect(
                    try await db.scalar("SELECT errors->0->>'kind' FROM dialer.jobs WHERE kind = 'import_campaign'", as: String.self) == "rescued"
                )
            }
        }
    }

    @Test func createWaitPrintsSalesforcesReasonWhenItRefusesTheQuery() async throws {
        try await TestDatabase.withFresh { _, url in
            try await withSandboxSalesforce { sandbox, configuration in
                sandbox.seedContacts(5)
                let worker = Self.worker(url, configuration)
                try worker.start()
                defer { worker.signal(SIGTERM) }
                let (status, output) = try await CampaignCommandTests.dialer(
                    url,
                    [
                        "campaign", "create", "--name", "west", "--from", "+14155550100", "--where", "Region__c = 'West'", "--wait",
                    ]
                )
                #expect(status == 1, "\(output)")
                #expect(output.contains("campaign west (id 1): failed"), "\(output)")
                #expect(output.contains("import failed: INVALID_FIELD: No such column 'Region__c' on entity 'Contact'"), "\(output)")
            }
        }
    }

    @Test func flagsOverrideTheEnvironmentAndTheKeyComesFromAFile() async throws {
        try await TestDatabase.withFresh { _, url in
            try await withSandboxSalesforce { _, configuration in
                let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("dialer-test-\(UUID().uuidString).pem")
                try configuration.privateKeyPEM.write(to: keyFile, atomically: true, encoding: .utf8)
                defer { try? FileManager.default.removeItem(at: keyFile) }
                var environment = CampaignCommandTests.salesforceEnvironment(configuration)
                environment["SALESFORCE_PRIVATE_KEY"] = TestKeys.otherPrivateKey  // overridden by the flag
                environment["SALESFORCE_USERNAME"] = "wrong@dialer.test"
                let (status, output) = try await CampaignCommandTests.dialer(
                    url,
                    [
                        "check", "salesforce", "--salesforce-private-key-file", keyFile.path, "--salesforce-username", "integration@dialer.test",
                    ],
                    environment: environment
                )
                #expect(status == 0, "\(output)")
                #expect(output.contains("user: integration@dialer.test"), "\(output)")
            }
        }
    }
}

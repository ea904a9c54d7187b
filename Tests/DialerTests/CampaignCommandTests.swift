import Foundation
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing

@Suite struct CampaignCommandTests {
    static func dialer(
        _ url: DatabaseURL,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> (status: Int32?, output: String) {
        let child = ChildProcess(
            Products.path("dialer"),
            arguments: arguments,
            environment: environment.merging(["DATABASE_URL": url.connectionString]) { a, _ in a }
        )
        try child.start()
        let status = await child.wait(timeout: .seconds(60))
        return (status, child.text)
    }

    static func salesforceEnvironment(_ configuration: SalesforceConfiguration) -> [String: String] {
        [
            "SALESFORCE_CLIENT_ID": configuration.clientID, "SALESFORCE_USERNAME": configuration.username,
            "SALESFORCE_LOGIN_URL": configuration.loginURL, "SALESFORCE_AUDIENCE": configuration.audience,
            "SALESFORCE_PRIVATE_KEY": configuration.privateKeyPEM,
        ]
    }

    @Test func aMalformedOrForeignFilterIsRefusedAndNothingIsEnqueued() async throws {
        try await TestDatabase.withFresh { db, url in
            let base = ["campaign", "create", "--name", "x", "--from", "+14155550100"]
            let cases: [([String], String)] = [
                (["--where", "MailingState = 'CA' LIMIT 1"], "--where is not a valid SOQL condition: unexpected token: 'LIMIT'"),
                (["--where", "MailingState = 'CA"], "--where is not a valid SOQL condition: unterminated string literal"),
                (["--soql", "SELECT Id FROM Account"], "--soql must select FROM Contact, not FROM Account"),
                (["--soql", "SELECT Id FROM Contact", "--where", "A = 1"], "give exactly one of --where and --soql"),
                (["--where", "A = 1", "--window", "21:00-08:00"], "--window must be HH:MM-HH:MM"),
                (["--where", "A = 1", "--disclosure", String(repeating: "a", count: 501)], "--disclosure must be 500 characters at most"),
                (["--where", "A = 1", "--voicemail", "beep"], "--voicemail must be hang_up or leave_message"),
                (["--where", "A = 1", "--transfer-to", "4155550199"], "--transfer-to must be a number in E.164"),
                (["--where", "A = 1", "--transfer-hours", "09:00-17:00"], "--transfer-to is needed for transfer hours and a zone"),
                (["--where", "A = 1", "--transfer-to", "+14155550199", "--transfer-hours", "17:00-09:00"], "--transfer-hours must be HH:MM-HH:MM"),
                (
                    ["--where", "A = 1", "--transfer-to", "+14155550199", "--transfer-time-zone", "Mars/Olympus"],
                    "--transfer-time-zone must be an IANA"
                ),
                (["--where", "A = 1", "--retention", "90"], "--retention must be a number of days, such as 90d"),
            ]
            for (extra, message) in cases {
                let (status, output) = try await Self.dialer(url, base + extra)
                #expect(status != 0 && status != nil)
                #expect(output.contains(message), "\(output)")
            }
            let (status, output) = try await Self.dialer(url, ["campaign", "create", "--name", "x", "--where", "A = 1", "--from", "4155550100"])
            #expect(status != 0 && output.contains("--from must be a number in E.164"), "\(output)")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.campaigns", as: Int.self) == 0)
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs", as: Int.self) == 0)
        }
    }

    @Test func createRendersTheQueryWithTheRequiredFieldsAndQueuesOneImport() async throws {
        try await TestDatabase.withFresh { db, url in
            let (status, output) = try await Self.dialer(
                url,
                [
                    "campaign", "create", "--name", "vip", "--from", "+14155550100", "--rate", "2.5", "--window", "09:30-20:00",
                    "--disclosure", "An automated call from Acme, with an AI voice.", "--voicemail", "leave-message", "--transfer-to",
                    "+14155550199", "--transfer-hours", "08:30-17:30", "--transfer-time-zone", "America/Los_Angeles", "--retention", "90d", "--soql",
                    "select id, phone from contact where Tier__c = 'VIP' and (MailingState = 'CA' or MailingState = 'OR') limit 500",
                ]
            )
            #expect(status == 0, "\(output)")
            let soql = try await db.scalar("SELECT soql FROM dialer.campaigns WHERE name = 'vip'", as: String.self)
            #expect(
                soql
                    == "SELECT id, phone, FirstName, LastName, MobilePhone, AccountId, DoNotCall, MailingState, MailingPostalCode, Description, Account.Name FROM contact WHERE Tier__c = 'VIP' AND (MailingState = 'CA' OR MailingState = 'OR') LIMIT 500"
            )
            #expect(
                try await db.scalar("SELECT rate_per_second::text || ' ' || window_start::text FROM dialer.campaigns", as: String.self)
                    == "2.5 09:30:00"
            )
            #expect(
                try await db.scalar("SELECT disclosure FROM dialer.campaigns", as: String?.self) == "An automated call from Acme, with an AI voice."
            )
            #expect(
                try await db.scalar(
                    "SELECT concat_ws(' ', voicemail_policy, transfer_number, transfer_hours_start, transfer_hours_end, transfer_time_zone) FROM dialer.campaigns",
                    as: String.self
                ) == "leave_message +14155550199 08:30:00 17:30:00 America/Los_Angeles"
            )
            #expect(try await db.scalar("SELECT retention_days FROM dialer.campaigns", as: Int?.self) == 90)
            #expect(
                try await db.scalar(
                    "SELECT count(*)::int FROM dialer.jobs WHERE kind = 'import_campaign' AND unique_key LIKE 'import:%'",
                    as: Int.self
                ) == 1
            )

            let again = try await Self.dialer(url, ["campaign", "create", "--name", "vip", "--from", "+14155550100", "--where", "A = 1"])
            #expect(again.status != 0 && again.output.contains("a campaign named vip exists already"), "\(again.output)")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs", as: Int.self) == 1)
        }
    }

    @Test func pauseResumeAndCancelMoveTheCampaignAndCancelItsQueuedJobs() async throws {
        try await TestDatabase.withFresh { db, url in
            _ = try await Self.dialer(url, ["campaign", "create", "--name", "c1", "--from", "+14155550100", "--where", "A = 1"])
            #expect(try await Self.dialer(url, ["campaign", "resume", "c1"]).output.contains("campaign c1 is importing; it cannot become active"))
            #expect(try await Self.dialer(url, ["campaign", "pause", "c1"]).status == 0)
            // Resumed while its import job is still queued: importing again, not active.
            let resumed = try await Self.dialer(url, ["campaign", "resume", "c1"])
            #expect(resumed.status == 0 && resumed.output.contains("campaign c1 is importing: its import goes on"), "\(resumed.output)")
            // A campaign the dialer paused says why.
            try await db.execute(
                "UPDATE dialer.campaigns SET status = 'paused', pause_reason = 'Twilio error 21210: The source phone number provided, +1415*****99, is not yet verified'"
            )
            let show = try await Self.dialer(url, ["campaign", "show", "c1"])
            #expect(
                show.output.contains("paused by the dialer: Twilio error 21210") && show.output.contains("dialer campaign resume c1"),
                "\(show.output)"
            )
            #expect(try await Self.dialer(url, ["campaign", "cancel", "c1"]).status == 0)
            #expect(try await db.scalar("SELECT status FROM dialer.campaigns", as: String.self) == "cancelled")
            #expect(try await db.scalar("SELECT state FROM dialer.jobs", as: String.self) == "cancelled")
            #expect(try await Self.dialer(url, ["campaign", "pause", "nope"]).output.contains("no campaign nope"))
            let list = try await Self.dialer(url, ["campaign", "list"])
            #expect(list.output.contains("c1") && list.output.contains("cancelled"), "\(list.output)")
        }
    }

    @Test func createWaitFollowsTheImportAWorkerRunsToTheEnd() async throws {
        try await TestDatabase.withFresh { _, url in
            try await withSandboxSalesforce(pageSize: 3) { sandbox, configuration in
                sandbox.insert(
                    (1...7).map { n in
                        SandboxRecord(
                            type: "Contact",
                            fields: [
                                // n = 3 kept a New York number when they moved to California.
                                "LastName": .string("L\(n)"), "Phone": .string("(\(n == 3 ? 212 : 415)) 555-01\(20 + n)"),
                                "MailingState": .string(n == 7 ? "TX" : "CA"),
                                "DoNotCall": .boolean(n == 2),
                            ]
                        )
                    }
                )
                let environment = Self.salesforceEnvironment(configuration)
                let worker = ChildProcess(
                    Products.path("dialer"),
                    arguments: ["worker"],
                    environment: environment.merging(["DATABASE_URL": url.connectionString]) { a, _ in a }
                )
                try worker.start()
                defer { worker.signal(SIGTERM) }
                let (status, output) = try await Self.dialer(
                    url,
                    [
                        "campaign", "create", "--name", "ca", "--from", "+14155550100", "--where", "MailingState = 'CA'", "--wait",
                    ]
                )
                #expect(status == 0, "\(output)\n\(worker.text)")
                #expect(output.contains("campaign ca (id 1): active"), "\(output)")
                #expect(output.contains("imported: 6 of 6 records; 6 contacts, 5 callable"), "\(output)")
                #expect(output.contains("skipped: do_not_call 1"), "\(output)")
                #expect(output.contains("importing [##############################] 6/6 records"), "\(output)")
                #expect(output.contains("time zones: 1 of 5 callable contacts have more than one candidate zone"), "\(output)")
                let show = try await Self.dialer(url, ["campaign", "show", "ca"])
                #expect(show.output.contains("time zones: 1 of 5 callable contacts have more than one candidate zone"), "\(show.output)")
            }
        }
    }

    @Test func checkSalesforcePrintsTheInstanceAndUserOrExactlyWhyNot() async throws {
        try await TestDatabase.withFresh { _, url in
            try await withSandboxSalesforce { sandbox, configuration in
                let good = try await Self.dialer(url, ["check", "salesforce"], environment: Self.salesforceEnvironment(configuration))
                #expect(good.status == 0, "\(good.output)")
                // The Connected App has the `api` scope only: the identity URL is not asked.
                #expect(!sandbox.requests.contains { $0.path.hasPrefix("/id/") })
                #expect(good.output.contains("instance: \(configuration.loginURL)"))
                #expect(good.output.contains("user: integration@dialer.test"))

                var wrong = Self.salesforceEnvironment(configuration)
                wrong["SALESFORCE_PRIVATE_KEY"] = TestKeys.otherPrivateKey
                let bad = try await Self.dialer(url, ["check", "salesforce"], environment: wrong)
                #expect(bad.status == 1)
                #expect(bad.output.contains("cannot use Salesforce: Salesforce refused the login: invalid_grant: invalid assertion"), "\(bad.output)")

                var missing = Self.salesforceEnvironment(configuration)
                missing["SALESFORCE_USERNAME"] = ""
                let unset = try await Self.dialer(url, ["check", "salesforce"], environment: missing)
                #expect(unset.output.contains("cannot use Salesforce: SALESFORCE_USERNAME is not set"), "\(unset.output)")
                #expect(!unset.output.contains("BEGIN PRIVATE KEY"))
            }
        }
    }
}

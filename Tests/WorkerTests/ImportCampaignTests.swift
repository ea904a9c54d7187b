import Foundation
import PostgresNIO
import Queue
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing
import Worker

@Suite struct ImportCampaignTests {
    /// Thirteen contacts that exercise every way in and out of a campaign (pages of 5: a–e, f–j, k–m).
    static func seed(_ sandbox: SandboxSalesforce) {
        func contact(_ name: String, mobile: String? = nil, phone: String? = nil, state: String? = "CA", dnc: Bool = false) -> SandboxRecord {
            var fields: [String: SOQLValue] = [
                "FirstName": .string(name), "LastName": .string("Test"), "DoNotCall": .boolean(dnc),
                "AccountId": .string("001SB0000000001AAA"),
            ]
            if let mobile { fields["MobilePhone"] = .string(mobile) }
            if let phone { fields["Phone"] = .string(phone) }
            if let state { fields["MailingState"] = .string(state) }
            return SandboxRecord(type: "Contact", fields: fields)
        }
        sandbox.insert([
            contact("a-mobile", mobile: "(415) 555-0101", phone: "212-555-0101"),
            contact("b-phone", phone: "+1 212 555 0102", state: "NY"),
            contact("c-dnc", phone: "415.555.0103", dnc: true),
            contact("d-invalid", phone: "555-0104"),
            contact("e-dup-of-a", phone: "1 (415) 555-0101"),  // a's number, same page
            contact("f-internal-dnc", phone: "312-555-0106", state: "IL"),
            contact("g-no-phone"),
            contact("h-area-code-zone", phone: "303-555-0108", state: nil),
            contact("i-no-zone", phone: "+44 20 7946 0109", state: nil),
            contact("j-dup-in-page", phone: "(303) 555-0108"),  // h's number, same page
            contact("k-prefers-mobile", mobile: "602 555 0111", phone: "not a number", state: "AZ"),
            contact("l-ok", phone: "808-555-0112", state: "HI"),
            contact("m-dup-across-pages", mobile: "+14155550101"),  // a's number, two pages later
        ])
    }

    static func handler(_ db: Database, _ configuration: SalesforceConfiguration) -> ImportCampaignHandler {
        ImportCampaignHandler(
            campaigns: CampaignStore(database: db),
            salesforce: SalesforceClient(
                configuration: configuration,
                logger: TestDatabase.testLogger,
                backoff: .init(base: 0.01, cap: 0.05, jitter: 0)
            ),
            backoff: .init(base: 0.05, factor: 1, cap: 0.05, jitter: 0),
            logger: TestDatabase.testLogger
        )
    }

    static func createCampaign(
        _ db: Database,
        soql: String = SOQLQuery(fields: SalesforceContact.fields, object: "Contact", orderBy: [SOQLOrdering(field: "FirstName")]).soql
    ) async throws -> Int64 {
        var campaign = NewCampaign(name: "spring-renewals", soql: soql, fromNumber: "+14155550000")
        campaign.maxAttempts = 2
        return try await CampaignStore(database: db).create(campaign)
    }

    static func waitForImport(_ db: Database, _ id: Int64) async throws -> String {
        _ = try await eventually(timeout: .seconds(30)) {
            try await db.scalar("SELECT status FROM dialer.campaigns WHERE id = \(id)", as: String.self) != "importing"
        }
        return try await db.scalar("SELECT status FROM dialer.campaigns WHERE id = \(id)", as: String.self)
    }

    static func skipCounts(_ db: Database, _ id: Int64) async throws -> [String: Int] {
        let rows = try await db.client.query(
            "SELECT coalesce(skip_reason, 'callable'), count(*)::int FROM dialer.contacts WHERE campaign_id = \(id) GROUP BY 1"
        )
        var counts: [String: Int] = [:]
        for try await (reason, count) in rows.decode((String, Int).self) { counts[reason] = count }
        return counts
    }

    static let expectedCounts = [
        "callable": 5, "do_not_call": 1, "invalid_phone": 2, "duplicate_phone": 3, "internal_dnc": 1, "no_time_zone": 1,
    ]

    @Test func importsEveryPageWithSkipReasonsCountedAndOneCallQueuedPerCallableContact() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxSalesforce(pageSize: 5) { sandbox, configuration in
                Self.seed(sandbox)
                try await db.execute("INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES ('+13125550106', 'opted out', 'call CA0001')")
                let id = try await Self.createCampaign(db)
                try await withRunners([runner(db, [Self.handler(db, configuration)])]) {
                    let status = try await Self.waitForImport(db, id)
                    #expect(status == "active")
                }
                #expect(try await Self.skipCounts(db, id) == Self.expectedCounts)
                let contacts = try await db.client.query(
                    "SELECT first_name, coalesce(phone_e164, ''), coalesce(phone_field, ''), coalesce(time_zone, ''), coalesce(skip_detail, '') FROM dialer.contacts WHERE campaign_id = \(id)"
                ).decode((String, String, String, String, String).self).reduce(into: [String: (String, String, String, String)]()) {
                    $0[$1.0] = ($1.1, $1.2, $1.3, $1.4)
                }
                #expect(contacts["a-mobile"]?.0 == "+14155550101" && contacts["a-mobile"]?.1 == "MobilePhone")
                #expect(contacts["a-mobile"]?.2 == "America/Los_Angeles")
                #expect(contacts["b-phone"]?.1 == "Phone" && contacts["b-phone"]?.2 == "America/New_York")
                #expect(contacts["h-area-code-zone"]?.2 == "America/Denver")
                #expect(contacts["k-prefers-mobile"]?.0 == "+16025550111")
                #expect(contacts["e-dup-of-a"]?.3.hasPrefix("same number as contact 003") == true)
                #expect(contacts["m-dup-across-pages"]?.3 == "number already held by another contact of this campaign")
                #expect(contacts["j-dup-in-page"]?.3.hasPrefix("same number as contact 003") == true)
                #expect(contacts["f-internal-dnc"]?.3 == "on the internal do-not-call list")
                #expect(
                    try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND campaign_id = \(id)", as: Int.self) == 5
                )
                let progress = try await CampaignStore(database: db).progress(name: "spring-renewals")
                #expect(progress.first?.salesforceTotal == 13 && progress.first?.recordsSeen == 13 && progress.first?.callable == 5)
                #expect(sandbox.requests.filter { $0.path.contains("/query") }.count == 3)
            }
        }
    }

    @Test func everyCandidateZoneAndStateIsStoredWithTheContact() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxSalesforce(pageSize: 5) { sandbox, configuration in
                func contact(_ name: String, _ phone: String, state: String?, postalCode: String? = nil) -> SandboxRecord {
                    var fields: [String: SOQLValue] = ["FirstName": .string(name), "LastName": .string("Zone"), "MobilePhone": .string(phone)]
                    if let state { fields["MailingState"] = .string(state) }
                    if let postalCode { fields["MailingPostalCode"] = .string(postalCode) }
                    return SandboxRecord(type: "Contact", fields: fields)
                }
                sandbox.insert([
                    contact("a-panhandle", "(850) 555-0201", state: "FL"),
                    contact("b-moved", "(212) 555-0202", state: "CA"),
                    contact("c-el-paso", "(915) 555-0203", state: "Texas", postalCode: "79901"),
                    contact("d-pensacola", "(305) 555-0204", state: "FL", postalCode: "32501-4410"),
                    contact("e-idaho", "(208) 555-0205", state: nil),
                    contact("f-one-zone", "(415) 555-0206", state: "CA", postalCode: "94110"),
                ])
                let id = try await Self.createCampaign(db)
                try await withRunners([runner(db, [Self.handler(db, configuration)])]) {
                    let status = try await Self.waitForImport(db, id)
                    #expect(status == "active")
                }
                let rows = try await db.rows(
                    "SELECT first_name, time_zone, time_zone_source, time_zones, calling_states FROM dialer.contacts ORDER BY first_name",
                    as: (String, String, String, [String], [String]).self
                )
                let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.0, ($0.1, $0.2, $0.3, $0.4)) })
                #expect(byName["a-panhandle"]! == ("America/New_York", "mailing_state", ["America/New_York", "America/Chicago"], ["FL"]))
                #expect(byName["b-moved"]! == ("America/Los_Angeles", "mailing_state", ["America/Los_Angeles", "America/New_York"], ["CA", "NY"]))
                #expect(byName["c-el-paso"]! == ("America/Denver", "postal_code", ["America/Denver"], ["TX"]))
                #expect(byName["d-pensacola"]! == ("America/Chicago", "postal_code", ["America/Chicago", "America/New_York"], ["FL"]))
                #expect(byName["e-idaho"]! == ("America/Boise", "area_code", ["America/Boise", "America/Los_Angeles"], ["ID"]))
                #expect(byName["f-one-zone"]! == ("America/Los_Angeles", "mailing_state", ["America/Los_Angeles"], ["CA"]))
                #expect(try await CampaignStore(database: db).progress(name: "spring-renewals").first?.multiZoneContacts == 4)
            }
        }
    }

    @Test func expiringSessionsRateLimitsAndOutagesAreRiddenOutAndTheImportLandsOnce() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxSalesforce(pageSize: 2) { sandbox, configuration in
                Self.seed(sandbox)
                try await db.execute("INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES ('+13125550106', 'opted out', 'call CA0001')")
                sandbox.faults.expireSessionsEvery = 3
                sandbox.faults.requestLimitExceeded = true
                let id = try await Self.createCampaign(db)
                try await withRunners([runner(db, [Self.handler(db, configuration)])]) {
                    // The limit holds a while: the job fails and retries, nothing is imported twice.
                    _ = try await eventually(timeout: .seconds(10)) {
                        try await db.scalar("SELECT attempt FROM dialer.jobs WHERE kind = 'import_campaign'", as: Int.self) >= 2
                    }
                    sandbox.faults.requestLimitExceeded = false
                    sandbox.faults.serverErrors = 2
                    let status = try await Self.waitForImport(db, id)
                    #expect(status == "active")
                }
                #expect(try await Self.skipCounts(db, id) == Self.expectedCounts)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 5)
                #expect(sandbox.requests.filter { $0.path == "/services/oauth2/token" }.count >= 2)
                #expect(sandbox.requests.contains { $0.status == 401 })
                #expect(sandbox.requests.contains { $0.status == 500 })
                #expect(sandbox.requests.contains { $0.status == 403 })
                let errors = try await db.scalar("SELECT errors::text FROM dialer.jobs WHERE kind = 'import_campaign'", as: String.self)
                #expect(errors.contains("REQUEST_LIMIT_EXCEEDED"))
            }
        }
    }

    @Test func anImportCutOffMidwayAndRunAgainYieldsTheSameContactsAndJobs() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxSalesforce(pageSize: 5) { sandbox, configuration in
                Self.seed(sandbox)
                try await db.execute("INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES ('+13125550106', 'opted out', 'call CA0001')")
                let id = try await Self.createCampaign(db)
                let handler = Self.handler(db, configuration)
                // The first page lands, then Salesforce goes away for longer than the client retries.
                sandbox.faults.serverErrors = 1_000
                let queue = JobQueue(database: db)
                let job = try #require(try await queue.claim(kinds: ["import_campaign"], limit: 1, owner: "t", lease: .seconds(60)).first)
                sandbox.faults.serverErrors = 0
                let client = SalesforceClient(configuration: configuration, logger: TestDatabase.testLogger)
                var pages = client.queryPages(try await CampaignStore(database: db).campaign(id: id)!.soql, as: SalesforceContact.self)
                    .makeAsyncIterator()
                let firstPage = try #require(try await pages.next())
                try await CampaignStore(database: db).importPage(
                    campaignID: id,
                    contacts: ContactClassifier().classify(firstPage.records),
                    salesforceTotal: 13
                )
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.contacts", as: Int.self) == 5)
                // The worker died there. The rescued job runs the import from the start.
                #expect(try await handler.run(job) == .completed)
                #expect(try await Self.skipCounts(db, id) == Self.expectedCounts)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.contacts", as: Int.self) == 13)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 5)
                #expect(try await db.scalar("SELECT count(DISTINCT unique_key)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 5)
                #expect(try await db.scalar("SELECT records_seen FROM dialer.campaigns WHERE id = \(id)", as: Int.self) == 13)
            }
        }
    }

    @Test func aQuerySalesforceRefusesFailsTheCampaignWithItsMessageAndQueuesNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxSalesforce { sandbox, configuration in
                Self.seed(sandbox)
                let id = try await Self.createCampaign(db, soql: "SELECT Id, Phone FROM Contact WHERE Region__c = 'West'")
                try await withRunners([runner(db, [Self.handler(db, configuration)])]) {
                    let status = try await Self.waitForImport(db, id)
                    #expect(status == "failed")
                }
                let error = try await db.scalar("SELECT import_error FROM dialer.campaigns WHERE id = \(id)", as: String.self)
                #expect(error.hasPrefix("INVALID_FIELD: No such column 'Region__c' on entity 'Contact'"))
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.contacts", as: Int.self) == 0)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 0)
                #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE kind = 'import_campaign'", as: String.self) == "discarded")
            }
        }
    }
}

@Suite struct ContactClassifierTests {
    @Test func thePreferredPhoneFieldIsConfigurable() {
        let record = SalesforceContact(Id: "003SB0000000001AAA", Phone: "(212) 555-0100", MobilePhone: "(415) 555-0199", MailingState: "NY")
        let mobileFirst = ContactClassifier(preferMobile: true).classify([record])[0]
        #expect(mobileFirst.phoneE164 == "+14155550199" && mobileFirst.phoneField == "MobilePhone")
        let phoneFirst = ContactClassifier(preferMobile: false).classify([record])[0]
        #expect(phoneFirst.phoneE164 == "+12125550100" && phoneFirst.phoneField == "Phone")
        // An invalid preferred number falls back to the other field.
        let fallback = ContactClassifier(preferMobile: false).classify([
            SalesforceContact(Id: "003SB0000000002AAA", Phone: "555-01", MobilePhone: "415 555 0199", MailingState: "CA")
        ])[0]
        #expect(fallback.phoneE164 == "+14155550199" && fallback.phoneField == "MobilePhone" && fallback.skipReason == nil)
    }

    /// Pausing stops dialing, never importing: the import of a paused campaign still brings
    /// every contact, the campaign stays paused, and a resume makes it active with them all. A
    /// resume before the import ended goes back to importing, not to an active campaign with
    /// no contacts.
    @Test func aCampaignPausedWhileImportingKeepsItsImport() async throws {
        try await TestDatabase.withFresh { db, _ in
            try await withSandboxSalesforce(pageSize: 5) { sandbox, configuration in
                ImportCampaignTests.seed(sandbox)
                try await db.execute("INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES ('+13125550106', 'opted out', 'call CA0001')")
                let store = CampaignStore(database: db)
                let id = try await ImportCampaignTests.createCampaign(db)
                func status() async throws -> String { try await db.scalar("SELECT status FROM dialer.campaigns WHERE id = \(id)", as: String.self) }
                try await store.transition(name: "spring-renewals", from: [.active, .importing], to: .paused)
                try await store.transition(name: "spring-renewals", from: [.paused], to: .active)
                #expect(try await status() == "importing", "resumed before the import ran: still importing")
                try await store.transition(name: "spring-renewals", from: [.active, .importing], to: .paused)
                try await withRunners([runner(db, [ImportCampaignTests.handler(db, configuration)])]) {
                    let imported = try await eventually(timeout: .seconds(30)) {
                        try await db.scalar("SELECT imported_at IS NOT NULL FROM dialer.campaigns WHERE id = \(id)", as: Bool.self)
                    }
                    #expect(imported)
                }
                #expect(try await status() == "paused")
                #expect(try await ImportCampaignTests.skipCounts(db, id)["callable"] == 5)
                #expect(
                    try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call' AND campaign_id = \(id)", as: Int.self) == 5
                )
                #expect(try await db.scalar("SELECT state FROM dialer.jobs WHERE kind = 'import_campaign'", as: String.self) == "completed")
                try await store.transition(name: "spring-renewals", from: [.paused], to: .active)
                #expect(try await status() == "active")
            }
        }
    }
}

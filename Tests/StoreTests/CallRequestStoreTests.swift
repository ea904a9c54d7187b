import Foundation
import PostgresNIO
import Queue
import Store
import TestSupport
import Testing

/// The rows an API call is made of: the request, its contact row among a campaign's, its jobs,
/// and what `GET /v1/calls/{id}` reads of them.
@Suite struct CallRequestStoreTests {
    static let contact = "003SB00000000RQAAA"

    /// `work` in one transaction, as the API's idempotent POST runs it.
    static func inTransaction<Result: Sendable>(
        _ db: Database,
        _ work: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await db.client.withTransaction(logger: db.logger) { connection in try await work(connection) }
    }

    static func imported(_ id: String, phone: String) -> ImportedContact {
        var contact = ImportedContact(salesforceID: id)
        contact.phoneE164 = phone
        contact.timeZone = "America/New_York"
        contact.timeZoneSource = "area_code"
        contact.timeZones = ["America/New_York"]
        contact.callingStates = ["NY"]
        return contact
    }

    @Test func aRequestForAContactIsReadableByItsIdAtOnceAndQueuesItsPrepareJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CallRequestStore(database: db)
            let id = try await Self.inTransaction(db) { connection in
                let campaign = try #require(try await store.campaign(named: nil, makingWith: "+14155550100", on: connection))
                return try await store.insert(
                    NewCallRequest(salesforceID: Self.contact, message: "About your renewal"),
                    campaignID: campaign.id,
                    on: connection
                )
            }
            let call = try #require(try await CallRecordStore(database: db).call(id: id, revealPhones: true))
            #expect(call.id == id && call.state == "queued" && call.campaign == "api" && call.contactID == Self.contact)
            #expect(call.to == "" && call.from == "+14155550100" && call.attempt == 0 && call.message == "About your renewal")
            // Its prepare_call job, keyed as the job type keys it (the read above finds it by that key).
            let key = try await db.scalar("SELECT unique_key FROM dialer.jobs WHERE kind = 'prepare_call'", as: String.self)
            #expect(key == PrepareCallArgs(requestID: id).uniqueKey)
            #expect(key == "prepare_call:\(id.uuidString.lowercased())")
            // Its job cancelled (the campaign was): the call says so rather than queued for ever.
            try await db.execute("UPDATE dialer.jobs SET state = 'cancelled', finalized_at = now()")
            #expect(try await CallRecordStore(database: db).call(id: id, revealPhones: true)?.state == "cancelled")
        }
    }

    @Test func theBuiltInCampaignIsMadeOnceActiveWithoutImportAndNeverCompletesByItself() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CallRequestStore(database: db)
            let first = try await Self.inTransaction(db) { try await store.campaign(named: nil, makingWith: "+14155550100", on: $0) }
            let second = try await Self.inTransaction(db) { try await store.campaign(named: "api", makingWith: "+14155550199", on: $0) }
            #expect(first != nil && first == second && first?.status == .active && first?.acceptsCalls == true)
            // Without a number it is not made, and another name is never made.
            try await db.execute("DELETE FROM dialer.campaigns")
            #expect(try await Self.inTransaction(db) { try await store.campaign(named: nil, makingWith: nil, on: $0) } == nil)
            #expect(try await Self.inTransaction(db) { try await store.campaign(named: "spring", makingWith: "+14155550100", on: $0) } == nil)
            _ = try await Self.inTransaction(db) { try await store.campaign(named: nil, makingWith: "+14155550100", on: $0) }
            #expect(try await db.scalar("SELECT max_attempts FROM dialer.campaigns WHERE name = 'api'", as: Int.self) == 1)
            let completed = try await db.rows("SELECT * FROM dialer.complete_finished_campaigns()", as: String.self)
            #expect(completed.isEmpty)
        }
    }

    @Test func requestsForTheSameContactAndNumberAreEachTheirOwnCallAndLeaveTheImportAlone() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CallRequestStore(database: db)
            let campaign = try await db.scalar(
                "INSERT INTO dialer.campaigns (name, soql, status, from_number) VALUES ('spring', 'x', 'importing', '+14155550100') RETURNING id",
                as: Int64.self
            )
            let phone = "+12125550142"
            var rows: [(id: Int64, skipReason: String?, skipDetail: String?)] = []
            for _ in 0..<2 {
                rows.append(
                    try await Self.inTransaction(db) { connection in
                        let id = try await store.insert(NewCallRequest(salesforceID: Self.contact), campaignID: campaign, on: connection)
                        return try await store.insertContact(
                            Self.imported(Self.contact, phone: phone),
                            requestID: id,
                            campaignID: campaign,
                            on: connection
                        )
                    }
                )
            }
            #expect(rows.count == 2 && rows[0].id != rows[1].id && rows.allSatisfy { $0.skipReason == nil })
            // The import of the same Contact and number: a callable contact of its own, once.
            for _ in 0..<2 {
                try await CampaignStore(database: db).importPage(
                    campaignID: campaign,
                    contacts: [Self.imported(Self.contact, phone: phone)],
                    salesforceTotal: 1
                )
            }
            let imported = try await db.rows(
                "SELECT coalesce(skip_reason, 'callable') FROM dialer.contacts WHERE request_id IS NULL",
                as: String.self
            )
            #expect(imported == ["callable"])
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 1)
        }
    }

    @Test func aNumberOnTheDNCListIsSkippedAndANumberAloneHasNoSalesforceID() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CallRequestStore(database: db)
            try await db.execute("INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES ('+12125550142', 'asked', 'operator')")
            let (id, row) = try await Self.inTransaction(db) { connection in
                let campaign = try #require(try await store.campaign(named: nil, makingWith: "+14155550100", on: connection))
                let id = try await store.insert(NewCallRequest(to: "+12125550142"), campaignID: campaign.id, on: connection)
                let row = try await store.insertContact(
                    Self.imported("", phone: "+12125550142"),
                    requestID: id,
                    campaignID: campaign.id,
                    on: connection
                )
                // Written twice (a job run again): the same row.
                let again = try await store.insertContact(
                    Self.imported("", phone: "+12125550142"),
                    requestID: id,
                    campaignID: campaign.id,
                    on: connection
                )
                #expect(again.id == row.id)
                return (id, row)
            }
            #expect(row.skipReason == "internal_dnc")
            #expect(try await db.scalar("SELECT salesforce_id IS NULL FROM dialer.contacts WHERE id = \(row.id)", as: Bool.self))
            let call = try #require(try await CallRecordStore(database: db).call(id: id, revealPhones: false))
            #expect(call.state == "skipped" && call.skipReason == "internal_dnc" && call.outcome == "Skipped" && call.to == "…0142")
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'prepare_call'", as: Int.self) == 0)
        }
    }

    @Test func aRequestsFirstAttemptTakesItsIdAndItsStatusFollowsTheLatestAttempt() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CallRequestStore(database: db)
            let (id, campaign, contact) = try await Self.inTransaction(db) { connection in
                let campaign = try #require(try await store.campaign(named: nil, makingWith: "+14155550100", on: connection))
                let id = try await store.insert(NewCallRequest(to: "+12125550142"), campaignID: campaign.id, on: connection)
                let row = try await store.insertContact(
                    Self.imported("", phone: "+12125550142"),
                    requestID: id,
                    campaignID: campaign.id,
                    on: connection
                )
                try await store.enqueueFirstCall(contactID: row.id, campaignID: campaign.id, after: .seconds(3600), on: connection)
                return (id, campaign.id, row.id)
            }
            let calls = CallRecordStore(database: db)
            let scheduled = try #require(try await calls.call(id: id, revealPhones: true))
            #expect(scheduled.state == "scheduled" && scheduled.to == "+12125550142")
            let due = try #require(scheduled.scheduledFor)
            #expect(abs(due.timeIntervalSinceNow - 3600) < 60)

            let attempts = CallAttemptStore(database: db)
            func begin() async throws -> CallAttempt {
                let start = try await attempts.begin(
                    contactID: contact,
                    campaignID: campaign,
                    jobID: nil,
                    to: "+12125550142",
                    from: "+14155550100",
                    maxInFlight: 10,
                    slotAt: nil
                )
                guard case .started(let attempt) = start else { throw TestSetupError("\(start)") }
                return attempt
            }
            let first = try await begin()
            #expect(first.id == id)
            #expect(try await calls.call(id: id, revealPhones: true)?.state == "dialing")
            // Never sent (its slot missed): the next one takes the id again.
            #expect(try await attempts.abandon(first.id))
            let resent = try await begin()
            #expect(resent.id == id)
            try await attempts.markFailed(resent.id, code: 20429, message: "Too Many Requests")
            let second = try await begin()
            #expect(second.id != id && second.attemptNumber == 2)
            try await attempts.markPlaced(second.id, callSID: "CArequest0000000000000000000000001")
            try await db.execute(
                "INSERT INTO dialer.calls (call_sid, attempt_id, status) VALUES ('CArequest0000000000000000000000001', \(second.id), 'ringing')"
            )
            let ringing = try #require(try await calls.call(id: id, revealPhones: true))
            #expect(ringing.id == id && ringing.state == "ringing" && ringing.attempt == 2 && ringing.callSID == "CArequest0000000000000000000000001")
            // By its CallSid: that attempt, as every call is read by CallSid.
            #expect(try await calls.call(callSID: "CArequest0000000000000000000000001", revealPhones: true)?.id == second.id)
        }
    }

    /// A campaign closed between the read that decided the call and the write: the write is
    /// refused and keeps nothing, the Idempotency-Key's claim included, so the key works again.
    @Test func aCampaignClosedBeforeTheWriteRefusesItAndKeepsNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let store = CallRequestStore(database: db)
            let found = try #require(
                try await store.dialingCampaign(named: nil, makingWith: "+14155550100", callingStates: ["NY"], mailingState: nil)
            )
            #expect(found.campaign.name == "api" && found.campaign.acceptsCalls)
            try await db.execute("UPDATE dialer.campaigns SET status = 'cancelled' WHERE id = \(found.campaign.id)")
            let (key, _) = try await APIKeyStore(database: db).create(name: "crm", scopes: [.callsWrite])
            let acceptance = CallAcceptance(
                idempotency: IdempotencyClaim(apiKeyID: key.id, key: "k", operation: "createCall", request: Data("{}".utf8)),
                campaignID: found.campaign.id,
                requestID: UUID(),
                request: NewCallRequest(to: "+12125550142"),
                contact: Self.imported("", phone: "+12125550142"),
                job: (PlaceCallArgs.kind, nil, nil, PlaceCallArgs.options.priority, PlaceCallArgs.options.maxAttempts),
                runAfter: .zero,
                answer: .init(status: 202, body: Data("{}".utf8)),
                answerIfOnDNCList: Data("{}".utf8)
            )
            await #expect(throws: CampaignTakesNoCalls(status: "cancelled")) { try await store.accept(acceptance) }
            for table in ["idempotency_keys", "call_requests", "contacts", "jobs"] {
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.\(unescaped: table)", as: Int.self) == 0, "\(table)")
            }
            // Open again, the same key and request go through once.
            try await db.execute("UPDATE dialer.campaigns SET status = 'active' WHERE id = \(found.campaign.id)")
            guard case .performed = try await store.accept(acceptance) else { throw TestSetupError("not performed") }
            #expect(try await store.accept(acceptance) == .replayed(.init(status: 202, body: Data("{}".utf8))))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'place_call'", as: Int.self) == 1)
        }
    }
}

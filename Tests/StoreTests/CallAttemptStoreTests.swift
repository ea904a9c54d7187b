import Foundation
import PostgresNIO
import Queue
import Store
import TestSupport
import Testing

@Suite struct CallAttemptStoreTests {
    static func campaign(_ db: Database, contacts: Int = 1) async throws -> (campaign: Int64, contacts: [Int64]) {
        let campaign = try await CampaignStore(database: db).create(
            NewCampaign(name: "c", soql: "SELECT Id FROM Contact", fromNumber: "+14155550100")
        )
        try await db.execute("UPDATE dialer.campaigns SET status = 'active' WHERE id = \(campaign)")
        var ids: [Int64] = []
        for index in 0..<contacts {
            ids.append(
                try await db.scalar(
                    """
                    INSERT INTO dialer.contacts (campaign_id, salesforce_id, phone_e164)
                    VALUES (\(campaign), \("003SB00000000\(index + 10)AAA"), \("+141555501\(index + 10)")) RETURNING id
                    """,
                    as: Int64.self
                )
            )
        }
        return (campaign, ids)
    }

    static func begin(
        _ store: CallAttemptStore,
        _ campaign: Int64,
        _ contact: Int64,
        job: Int64 = 1,
        cap: Int = 10
    ) async throws -> CallAttemptStore.Start {
        try await store.begin(
            contactID: contact,
            campaignID: campaign,
            jobID: job,
            to: "+14155550123",
            from: "+14155550100",
            maxInFlight: cap,
            slotAt: nil
        )
    }

    @Test func aContactHasOneUnsettledAttemptWhateverHappensToTheWorkers() async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            let (campaign, contacts) = try await Self.campaign(db)
            let store = CallAttemptStore(database: db)
            // Eight jobs race to dial the contact (a rescued job and its stale twin, say).
            let starts = try await withThrowingTaskGroup(of: CallAttemptStore.Start.self) { group in
                for job in 0..<8 { group.addTask { try await Self.begin(store, campaign, contacts[0], job: Int64(job)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let started = starts.compactMap { if case .started(let attempt) = $0 { attempt } else { nil } }
            #expect(started.count == 1 && started.first?.attemptNumber == 1 && started.first?.state == .dialing)
            #expect(starts.allSatisfy { if case .unsettled(let attempt) = $0 { attempt.id == started[0].id } else { true } })
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_attempts", as: Int.self) == 1)

            // Once settled, the next begin is the next attempt number.
            #expect(try await store.markPlaced(started[0].id, callSID: "CA0001"))
            guard case .started(let second) = try await Self.begin(store, campaign, contacts[0], job: 9) else {
                Issue.record("attempt 2 did not start")
                return
            }
            #expect(second.attemptNumber == 2)
            #expect(try await store.latest(jobID: 9)?.id == second.id)
        }
    }

    @Test func theCampaignsCapOnCallsInFlightHoldsAcrossConcurrentBegins() async throws {
        try await TestDatabase.withFresh(maxConnections: 12) { db, _ in
            let (campaign, contacts) = try await Self.campaign(db, contacts: 8)
            let store = CallAttemptStore(database: db)
            let starts = try await withThrowingTaskGroup(of: CallAttemptStore.Start.self) { group in
                for contact in contacts.prefix(6) { group.addTask { try await Self.begin(store, campaign, contact, cap: 2) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(starts.filter { if case .started = $0 { true } else { false } }.count == 2)
            #expect(starts.filter { $0 == .campaignFull(inFlight: 2) }.count == 4)
            // A call that ended, and an attempt Twilio refused, leave room.
            try await db.execute("UPDATE dialer.call_attempts SET ended_at = now() WHERE id = (SELECT min(id::text)::uuid FROM dialer.call_attempts)")
            guard case .started(let third) = try await Self.begin(store, campaign, contacts[6], cap: 2) else {
                Issue.record("no room after a call ended")
                return
            }
            #expect(try await store.markFailed(third.id, code: 21211, message: "invalid To"))
            guard case .started = try await Self.begin(store, campaign, contacts[7], cap: 2) else {
                Issue.record("a refused attempt still held the cap")
                return
            }
        }
    }

    @Test func anAttemptSettlesOnceCountsACallOnlyWhenPlacedAndOnlyADialingOneCanBeAbandoned() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (campaign, contacts) = try await Self.campaign(db)
            let store = CallAttemptStore(database: db)
            guard case .started(let first) = try await Self.begin(store, campaign, contacts[0]) else {
                Issue.record("no start")
                return
            }
            #expect(try await store.markUnknown(first.id, message: "timed out after sending"))
            #expect(try await store.markPlaced(first.id, callSID: "CA0001"))  // reconciliation found the call
            #expect(try await !store.markFailed(first.id, code: 21211, message: "late"))
            #expect(try await !store.markPlaced(first.id, callSID: "CA0001"))
            let attempt = try #require(try await store.attempt(contactID: contacts[0], attemptNumber: 1))
            #expect(attempt.state == .placed && attempt.callSID == "CA0001" && attempt.twilioErrorCode == nil)
            #expect(try await db.scalar("SELECT attempts FROM dialer.contacts WHERE id = \(contacts[0])", as: Int.self) == 1)
            #expect(try await store.knownCallSIDs(["CA0001", "CA0002"]) == ["CA0001"])

            guard case .started(let second) = try await Self.begin(store, campaign, contacts[0]) else {
                Issue.record("no start")
                return
            }
            #expect(try await store.markFailed(second.id, code: 21211, message: "invalid To"))
            #expect(try await !store.abandon(second.id))
            #expect(try await db.scalar("SELECT attempts FROM dialer.contacts WHERE id = \(contacts[0])", as: Int.self) == 1)

            guard case .started(let third) = try await Self.begin(store, campaign, contacts[0]) else {
                Issue.record("no start")
                return
            }
            #expect(third.attemptNumber == 3)
            await #expect(throws: PSQLError.self) { try await store.markPlaced(third.id, callSID: "CA0001") }  // a CallSid is one attempt's
            #expect(try await store.abandon(third.id))
            #expect(try await store.attempt(id: third.id) == nil)
        }
    }

    @Test func nothingBeginsForACampaignNoLongerActiveOrANumberNowOnTheDNCList() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (campaign, contacts) = try await Self.campaign(db)
            let store = CallAttemptStore(database: db)
            try await db.execute("UPDATE dialer.campaigns SET status = 'paused'")
            #expect(try await Self.begin(store, campaign, contacts[0]) == .stopped(reason: "the campaign is paused"))
            try await db.execute("UPDATE dialer.campaigns SET status = 'active'")
            try await db.execute("INSERT INTO dialer.dnc (phone_e164, reason, source) VALUES ('+14155550123', 'opt-out', 'call')")
            #expect(try await Self.begin(store, campaign, contacts[0]) == .stopped(reason: "the number is on the DNC list"))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_attempts", as: Int.self) == 0)
        }
    }

    /// A worker cut off from Postgres past its lease, or stalled: the job was rescued and
    /// claimed again, and the old run must not begin a call the new run may begin too.
    @Test func nothingBeginsForARunWhoseJobLeaseWasTakenBack() async throws {
        try await TestDatabase.withFresh { db, _ in
            let (campaign, contacts) = try await Self.campaign(db)
            let store = CallAttemptStore(database: db)
            let queue = JobQueue(database: db)
            try await queue.enqueue(NewJob(kind: "place_call"))
            let run = try #require(try await queue.claim(kinds: ["place_call"], limit: 1, owner: "w1", lease: .seconds(60)).first)
            func begin(_ lease: JobLease) async throws -> CallAttemptStore.Start {
                try await store.begin(
                    contactID: contacts[0],
                    campaignID: campaign,
                    jobID: run.id,
                    to: "+14155550123",
                    from: "+14155550100",
                    maxInFlight: 10,
                    slotAt: nil,
                    fence: lease
                )
            }
            try await db.execute("UPDATE dialer.jobs SET attempt = attempt + 1, lease_owner = 'w2' WHERE id = \(run.id)")
            #expect(try await begin(run.lease) == .stopped(reason: "the job is no longer this run's"))
            #expect(try await db.scalar("SELECT count(*)::int FROM dialer.call_attempts", as: Int.self) == 0)
            guard case .started = try await begin(JobLease(id: run.id, attempt: run.attempt + 1)) else {
                Issue.record("the run that holds the lease could not begin")
                return
            }
        }
    }
}
